import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { Studio } from '../../../main/engine/studio'
import type { Corpus } from './malformed'

/**
 * Imports a malformed corpus with the real `studio import` (under /usr/bin/time for its peak RSS;
 * as root, under setpriv without the capabilities that bypass file permissions, so chmod 000
 * denies reads as it would for a user) and checks every entry against what it expects.
 */

const STUDIO_BIN = path.resolve(import.meta.dirname, '../../../bin/studio.mjs')

/** How the importer is run so that chmod 000 denies it, and whether that is possible here. */
export function readDenial(): { prefix: string[]; denied: boolean; note: string } {
  if (process.getuid?.() !== 0) return { prefix: [], denied: true, note: 'not root: chmod 000 denies reads' }
  if (fs.existsSync('/usr/bin/setpriv'))
    return {
      prefix: ['/usr/bin/setpriv', '--bounding-set=-dac_override,-dac_read_search', '--'],
      denied: true,
      note: 'root: the import runs under setpriv without CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH, so chmod 000 denies reads',
    }
  return {
    prefix: [],
    denied: false,
    note: 'root without setpriv: chmod 000 does not deny reads, unreadable files count as either',
  }
}

export interface ImportOutcome {
  files: number
  crashes: number
  goodLost: number
  /** Bad files not listed exactly once, good files listed, listings of nothing in the corpus. */
  failures: string[]
  peakRssMb: number
  imported: number
  listed: number
  seconds: number
}

export function importCorpus(c: Corpus, proj: string): ImportOutcome {
  Studio.init(proj).close()
  const denial = readDenial()
  const time = fs.existsSync('/usr/bin/time') ? ['/usr/bin/time', '-f', 'peak-kb=%M'] : []
  const argv = [...time, ...denial.prefix, process.execPath, STUDIO_BIN, 'import', c.dir, '--project', proj, '--json']
  const t0 = Date.now()
  const run = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 600_000, maxBuffer: 64 << 20 })
  const seconds = (Date.now() - t0) / 1000
  const peakKb = Number(/peak-kb=(\d+)/.exec(run.stderr ?? '')?.[1] ?? 0)
  const failures: string[] = []
  let crashes = 0
  try {
    if (run.status !== 0) throw new Error(`exit ${run.status ?? run.signal}: ${run.stderr.trim().slice(-400)}`)
    JSON.parse(run.stdout)
  } catch (err) {
    crashes++
    failures.push(`studio import crashed: ${(err as Error).message}`)
  }
  const db = new Database(path.join(proj, 'studio.db'), { readonly: true })
  const hashes = new Set((db.prepare('SELECT hash FROM images').all() as { hash: string }[]).map((h) => h.hash))
  const listings = [
    ...(db.prepare('SELECT path, reason FROM import_errors').all() as { path: string; reason: string }[]),
    ...(db.prepare('SELECT path, reason FROM import_skipped').all() as { path: string; reason: string }[]),
  ]
  db.close()
  const listed = new Map<string, string[]>()
  for (const l of listings) listed.set(l.path, [...(listed.get(l.path) ?? []), l.reason])
  let goodLost = 0
  const known = new Set(c.entries.map((e) => e.rel))
  for (const e of c.entries) {
    const reasons = listed.get(e.rel) ?? []
    const imported = e.sha !== undefined && hashes.has(e.sha)
    const show = `${JSON.stringify(e.rel)} (${e.kind})`
    if (reasons.some((x) => !x.trim())) failures.push(`${show}: listed without a reason`)
    if (e.expect === 'good') {
      if (!imported) {
        goodLost++
        failures.push(`${show}: good image not imported${reasons.length ? `: ${reasons.join('; ')}` : ''}`)
      } else if (reasons.length) failures.push(`${show}: imported and also listed: ${reasons.join('; ')}`)
    } else if (e.expect === 'bad') {
      if (reasons.length !== 1) failures.push(`${show}: listed ${reasons.length} times`)
    } else if (imported === (reasons.length === 1) || reasons.length > 1)
      failures.push(`${show}: ${imported ? 'imported' : 'not imported'} and listed ${reasons.length} times`)
  }
  for (const rel of listed.keys())
    if (!known.has(rel)) failures.push(`listed but not in the corpus: ${JSON.stringify(rel)}`)
  return {
    files: c.entries.length,
    crashes,
    goodLost,
    failures,
    peakRssMb: Math.round(peakKb / 1024),
    imported: hashes.size,
    listed: listings.length,
    seconds,
  }
}
