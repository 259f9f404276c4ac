import fs from 'node:fs'
import path from 'node:path'
import fc from 'fast-check'
import type { z } from 'zod'
import { REQUEST_SCHEMAS } from '../../../main/engine/api/schemas'
import { STUDIO_METHODS } from '../../../preload/methods'
import type { StudioMethod } from '../../../preload/contract'

/**
 * Payloads for every request of the contract, derived from its zod schema: values of the right
 * shape with hostile leaves (ids that exist and ids that do not, out-of-range and fractional
 * numbers, formula-like, unicode, NUL and very long strings), plus anything at all, plus a valid
 * shape with one field swapped for anything or an unknown field added. Paths are confined to a
 * sandbox folder (or point at files and folders that cannot be used): a fuzzer must not import
 * the machine's root folder or export into /etc.
 */

/** Schema keys whose strings are file-system paths. */
const PATH_KEYS = new Set(['path', 'source', 'dir'])

export interface Sandbox {
  root: string
  /** An empty folder, a folder with two images, a CSV, a plain file. */
  empty: string
  images: string
  csv: string
  file: string
}

export function sandboxPaths(root: string): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(
      '',
      '.',
      'relative/folder',
      path.join(root, 'empty'),
      path.join(root, 'images'),
      path.join(root, 'list.csv'),
      path.join(root, 'file.txt'),
      path.join(root, 'missing', 'deeper'),
      path.join(root, 'images', '..', '..', 'nope-outside'),
      '/proc/forbidden/x',
      '/dev/null',
      '/etc/hostname',
      `${root}/nul\0byte`,
      `${root}/${'x'.repeat(300)}`,
      `${root}/${'a/'.repeat(2100)}`,
    ),
    fc.string({ maxLength: 30 }).map((s) => path.join(root, 'made', s.replace(/\.\./g, '_').replace(/\0/g, '') || 'x')),
  )
}

const hostileString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(
    '',
    ' ',
    '=HYPERLINK("http://198.51.100.1","x")',
    '+1',
    '-2',
    '@SUM(A1)',
    '\t=1',
    'a\0b',
    '<script>alert(1)</script>',
    '../../etc/passwd',
    '#zzzzzz',
    '#FF00aa',
    'a'.repeat(1001),
    'ü'.repeat(600),
    '\u202e\u0000\uffff',
    'constructor',
    '__proto__',
  ),
)

const hostileNumber = fc.oneof(
  fc.integer({ min: 1, max: 40 }),
  fc.integer({ min: -3, max: 3 }),
  fc.constantFrom(0.5, -1.5, 1e9, 2 ** 31, Number.MAX_SAFE_INTEGER, 2 ** 53 + 2, 1e308, -1e308, 5e-324),
)

type Def = {
  type: string
  shape?: Record<string, z.ZodType>
  innerType?: z.ZodType
  element?: z.ZodType
  options?: z.ZodType[]
  entries?: Record<string, string>
  values?: unknown[]
}
const defOf = (s: z.ZodType) => (s as unknown as { _zod: { def: Def } })._zod.def

/** Values in the schema's shape with hostile leaves. */
export function shaped(schema: z.ZodType, paths: fc.Arbitrary<string>, key = ''): fc.Arbitrary<unknown> {
  const def = defOf(schema)
  switch (def.type) {
    case 'object': {
      const model: Record<string, fc.Arbitrary<unknown>> = {}
      const required: string[] = []
      for (const [k, v] of Object.entries(def.shape ?? {})) {
        model[k] = shaped(v, paths, k)
        if (defOf(v).type !== 'optional') required.push(k)
      }
      return fc.record(model, { requiredKeys: required })
    }
    case 'optional':
      return shaped(def.innerType!, paths, key)
    case 'nullable':
      return fc.oneof(fc.constant(null), shaped(def.innerType!, paths, key))
    case 'union':
      return fc.oneof(...def.options!.map((o) => shaped(o, paths, key)))
    case 'array':
      return fc.array(shaped(def.element!, paths, key), { maxLength: 6 })
    case 'string':
      return PATH_KEYS.has(key) ? paths : hostileString
    case 'number':
      return hostileNumber
    case 'boolean':
      return fc.boolean()
    case 'enum':
      return fc.constantFrom(...Object.values(def.entries!))
    case 'literal':
      return fc.constantFrom(...def.values!)
    case 'void':
    case 'undefined':
      return fc.constant(undefined)
    case 'null':
      return fc.constant(null)
    default:
      return fc.anything()
  }
}

/** A payload for `method`: shaped (most), anything, or shaped with one field broken or one added. */
export function payloadArb(method: StudioMethod, paths: fc.Arbitrary<string>): fc.Arbitrary<unknown> {
  const schema = (REQUEST_SCHEMAS as Record<string, z.ZodType | undefined>)[method]
  if (!schema) return fc.anything()
  const ok = shaped(schema, paths)
  const broken = fc
    .tuple(ok, fc.string({ maxLength: 12 }), fc.anything({ maxDepth: 2 }), fc.boolean())
    .map(([p, k, v, replace]) => {
      if (!p || typeof p !== 'object' || Array.isArray(p)) return v
      const keys = Object.keys(p)
      const target = replace && keys.length ? keys[k.length % keys.length]! : k
      return { ...p, [target]: v }
    })
  return fc.oneof(
    { weight: 6, arbitrary: ok },
    { weight: 1, arbitrary: fc.anything() },
    { weight: 2, arbitrary: broken },
  )
}

/** Requests that start background work; the fuzz stops that work after each. */
export const STARTERS: Partial<Record<StudioMethod, StudioMethod[] | 'jobs'>> = {
  startTraining: ['cancelTraining'],
  resumeTraining: ['cancelTraining'],
  startImport: ['cancelImport'],
  startScoring: 'jobs',
  startLabelCheck: 'jobs',
  exportRun: 'jobs',
  exportData: 'jobs',
  startCheck: 'jobs',
  startBackup: 'jobs',
}
export const JOB_KINDS = ['score', 'label-check', 'backfill', 'export-data', 'export', 'check', 'backup'] as const

export interface FuzzTarget {
  /** Sends one request; resolves with its HTTP status (for IPC, the status the reply maps to). */
  call(method: StudioMethod, payload: unknown): Promise<number>
  /** Reopens the fuzz project when a session request switched or closed it. */
  reopen(): Promise<void>
}

export interface RequestFuzzResult {
  requests: number
  status500: number
  /** Method and payload of each 500, JSON, the first few. */
  examples: string[]
}

/** Every method of the contract, `runs` payloads each (fast-check, seeded). */
export async function fuzzRequests(
  target: FuzzTarget,
  paths: fc.Arbitrary<string>,
  runs: number,
  seed: number,
  log: (line: string) => void = () => {},
) {
  const out: RequestFuzzResult = { requests: 0, status500: 0, examples: [] }
  const send = async (method: StudioMethod, payload: unknown) => {
    out.requests++
    const t0 = Date.now()
    if (process.env.STUDIO_FUZZ_TRACE) log(`  → ${method} ${safeJson(payload)}`)
    const status = await target.call(method, payload)
    if (Date.now() - t0 > 5000) log(`  slow: ${method} ${safeJson(payload)} took ${Date.now() - t0} ms`)
    if (status >= 500) {
      out.status500++
      if (out.examples.length < 10) out.examples.push(`${method} ${safeJson(payload)} → ${status}`)
    }
    return status
  }
  for (const method of STUDIO_METHODS) {
    const t0 = Date.now()
    await fc.assert(
      fc.asyncProperty(payloadArb(method, paths), async (payload) => {
        await send(method, payload)
        const stop = STARTERS[method]
        if (stop === 'jobs') for (const kind of JOB_KINDS) await send('cancelJob', { kind })
        else if (stop) for (const m of stop) await send(m, undefined)
        if (method === 'openProject' || method === 'createProject' || method === 'closeProject') await target.reopen()
      }),
      { numRuns: runs, seed: seed + method.length, endOnFailure: true },
    )
    if (Date.now() - t0 > 3000) log(`  ${method}: ${runs} payloads took ${((Date.now() - t0) / 1000).toFixed(1)} s`)
  }
  return out
}

function safeJson(v: unknown): string {
  try {
    const s = JSON.stringify(v) ?? String(v)
    return s.length > 200 ? `${s.slice(0, 200)}…` : s
  } catch {
    return String(v)
  }
}

/** The sandbox the path arbitrary points into: an empty folder, two images, a CSV and a file. */
export function makeSandbox(root: string, image: Buffer): Sandbox {
  fs.mkdirSync(path.join(root, 'empty'), { recursive: true })
  fs.mkdirSync(path.join(root, 'images', 'cls'), { recursive: true })
  fs.mkdirSync(path.join(root, 'made'), { recursive: true })
  fs.writeFileSync(path.join(root, 'images', 'cls', 'one.jpg'), image)
  fs.writeFileSync(path.join(root, 'list.csv'), 'path,label\nimages/cls/one.jpg,=cmd\n../x.jpg,y\n')
  fs.writeFileSync(path.join(root, 'file.txt'), 'a file, not a folder\n')
  return {
    root,
    empty: path.join(root, 'empty'),
    images: path.join(root, 'images'),
    csv: path.join(root, 'list.csv'),
    file: path.join(root, 'file.txt'),
  }
}
