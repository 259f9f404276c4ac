import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { WebSocket } from 'ws'
import type { StudioEvent } from '../../preload/contract'
import { serveProject } from '../../main/server/server'
import { Studio } from '../../main/engine/studio'
import { studio as studioCli } from '../helpers/cli'
import { makeImages, tmpDir } from '../helpers/fixtures'
import { trainInProcess } from '../helpers/training'

const root = tmpDir()
const proj = path.join(root, 'proj')
let server: Awaited<ReturnType<typeof serveProject>>
let runId = 0

const exportTo = (dir: string, format?: string) =>
  fetch(`http://127.0.0.1:${server.port}/api/call/exportRun`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ runId, dir, format }),
    signal: AbortSignal.timeout(60_000),
  })
const refusal = async (dir: string) => {
  const res = await exportTo(dir)
  return { status: res.status, ...((await res.json()) as { error: { name: string; message: string } }).error }
}

beforeAll(async () => {
  await makeImages(path.join(root, 'src', 'red'), 6, 0, 32, 32)
  await makeImages(path.join(root, 'src', 'blue'), 6, 100, 32, 32)
  const studio = Studio.init(proj)
  await studio.import(path.join(root, 'src'))
  runId = await trainInProcess(studio, { epochs: 1, inputSize: 24, batchSize: 8, patience: null, workers: 1 })
  studio.close()
  server = await serveProject(proj, { log: () => {}, recentFile: path.join(root, 'recent.json') })
}, 120_000)
afterAll(() => server.close())

describe('export destinations are checked before any work, with a clear refusal', () => {
  it('a relative path', async () => {
    const rel = `export-${path.basename(root)}`
    expect(await refusal(rel)).toEqual({
      status: 400,
      name: 'ValidationError',
      message: `export folder must be an absolute path (got "${rel}")`,
    })
    expect(fs.existsSync(path.join(process.cwd(), rel))).toBe(false)
  })

  it('an existing file as the folder, and a folder below a file', async () => {
    const file = path.join(root, 'a-file')
    fs.writeFileSync(file, 'x')
    expect(await refusal(file)).toMatchObject({
      status: 409,
      message: `${file} is a file, not a folder; choose a new folder to export to`,
    })
    expect(await refusal(path.join(file, 'sub'))).toMatchObject({
      status: 409,
      message: `${file} is a file, so ${path.join(file, 'sub')} cannot be created`,
    })
  })

  it('an existing zip next to a new folder: nothing is overwritten or created', async () => {
    const dir = path.join(root, 'exists-zip')
    fs.writeFileSync(`${dir}.zip`, 'precious')
    expect(await refusal(dir)).toMatchObject({
      status: 409,
      message: `${dir}.zip already exists; choose another folder name or move it away`,
    })
    expect(fs.readFileSync(`${dir}.zip`, 'utf8')).toBe('precious')
    expect(fs.existsSync(dir)).toBe(false)
  })

  it("a folder inside the project's media", async () => {
    const dir = path.join(proj, 'media', 'export')
    expect(await refusal(dir)).toMatchObject({
      status: 400,
      message: expect.stringMatching(/is inside the project's media folder/),
    })
    expect(fs.existsSync(dir)).toBe(false)
  })

  it.runIf(fs.existsSync('/proc/self'))(
    'a folder the file system refuses (/proc/forbidden) is refused at once; the server keeps answering',
    async () => {
      const t0 = Date.now()
      expect(await refusal('/proc/forbidden')).toEqual({
        status: 400,
        name: 'ValidationError',
        message: 'cannot create /proc/forbidden (ENOENT); choose a folder where files can be written',
      })
      expect(Date.now() - t0).toBeLessThan(30_000)
      const health = await fetch(`http://127.0.0.1:${server.port}/api/health?token=${server.token}`)
      expect(health.status).toBe(200)
    },
  )
})

/** Subscribes to the server's events; once subscribed, `done` resolves with the events up to the one `until` accepts. */
async function eventsUntil(until: (e: StudioEvent) => boolean): Promise<{ done: Promise<StudioEvent[]> }> {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/events?token=${server.token}`)
  await new Promise((resolve, reject) => (ws.on('open', resolve), ws.on('error', reject)))
  const events: StudioEvent[] = []
  const done = new Promise<StudioEvent[]>((resolve) =>
    ws.on('message', (m) => {
      const e = JSON.parse(String(m)) as StudioEvent
      events.push(e)
      if (!until(e)) return
      ws.close()
      resolve(events)
    }),
  )
  return { done }
}

const jobEnd = (e: StudioEvent) => e.type === 'job-finished' && e.kind === 'export'

describe('a valid export', () => {
  it('answers at once and runs as a job: model files from a worker thread, self-test, card, export.json, zip', async () => {
    const dir = path.join(root, 'exports', 'nested', 'run')
    const writes = vi.spyOn(fs, 'writeFileSync')
    try {
      const events = (await eventsUntil(jobEnd)).done
      const res = await exportTo(dir)
      expect(res.status).toBe(200)
      expect(await res.json()).toEqual({ result: { started: true, dir, zip: `${dir}.zip` } })
      // The folder was made (and so proved writable) before the answer; it stays empty until the end, as the job
      // writes beside it and renames.
      expect(fs.readdirSync(dir)).toEqual([])
      const seen = await events
      expect(seen.filter((e) => e.type === 'job-progress' && e.kind === 'export').length).toBeGreaterThan(1)
      expect(seen.at(-1)).toEqual({ type: 'job-finished', kind: 'export', status: 'done', error: null })
      const finished = seen.find((e) => e.type === 'export-finished')
      if (finished?.type !== 'export-finished') throw new Error('no export-finished event')
      const out = finished.result
      expect(out).toMatchObject({ runId, dir, zip: `${dir}.zip` })
      expect(out.files).toEqual(expect.arrayContaining(['model.json', 'weights.bin', 'predict.mjs', 'README.md']))
      expect(out.formats.map((f) => [f.format, f.selfTest?.status])).toEqual([['tfjs', 'passed']])
      expect(out.modelCard).toMatch(/^# /)
      expect(out.modelCard).toContain('## Exported formats and self-test')
      for (const f of [...out.files, 'export.json']) expect(fs.existsSync(path.join(dir, f)), f).toBe(true)
      expect(fs.statSync(`${dir}.zip`).size).toBeGreaterThan(0)
      // The model's bytes are written by the export thread; this thread only writes small text files, asynchronously.
      const onThisThread = writes.mock.calls.filter(([file]) => String(file).startsWith(path.join(root, 'exports')))
      expect(onThisThread).toEqual([])
    } finally {
      writes.mockRestore()
    }
    // The same folder again is refused: it is not empty, and its zip exists.
    expect(await refusal(dir)).toMatchObject({
      status: 409,
      message: `${dir} exists and is not empty; choose a new folder`,
    })
  }, 180_000)

  it('writes ONNX beside the TF.js files when the page asks for both, and refuses a second export meanwhile', async () => {
    const dir = path.join(root, 'exports', 'both')
    const events = (await eventsUntil(jobEnd)).done
    expect((await exportTo(dir, 'all')).status).toBe(200)
    expect(await refusal(path.join(root, 'exports', 'second'))).toMatchObject({
      status: 409,
      message: 'an export is already running; wait for it or cancel it',
    })
    await events
    expect(fs.readdirSync(dir)).toEqual(expect.arrayContaining(['model.onnx', 'model.json', 'predict.py']))
    expect(fs.statSync(path.join(dir, 'model.onnx')).size).toBeGreaterThan(1000)
    const bad = await exportTo(path.join(root, 'exports', 'bad-format'), 'pt')
    expect(bad.status).toBe(400)
  }, 180_000)

  it('cancelJob stops it: no folder, no zip, nothing half-made beside them', async () => {
    const dir = path.join(root, 'exports', 'cancelled')
    const events = (await eventsUntil(jobEnd)).done
    expect((await exportTo(dir, 'all')).status).toBe(200)
    const cancel = await fetch(`http://127.0.0.1:${server.port}/api/call/cancelJob`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'export' }),
    })
    expect(await cancel.json()).toEqual({ result: { cancelled: true } })
    expect((await events).at(-1)).toMatchObject({ type: 'job-finished', kind: 'export', status: 'cancelled' })
    expect(fs.existsSync(dir)).toBe(false)
    expect(fs.existsSync(`${dir}.zip`)).toBe(false)
    expect(fs.readdirSync(path.dirname(dir)).filter((n) => n.includes('cancelled'))).toEqual([])
  }, 180_000)

  it('the CLI resolves a relative folder against the current one and refuses a folder it may not write in', () => {
    const cwd = path.join(root, 'cli-cwd')
    fs.mkdirSync(cwd)
    const ok = studioCli(['export', String(runId), 'rel-out', '--project', proj, '--no-zip'], { cwd })
    expect(ok.code, ok.stderr).toBe(0)
    expect(fs.existsSync(path.join(cwd, 'rel-out', 'model.json'))).toBe(true)
    const locked = path.join(root, 'read-only')
    fs.mkdirSync(locked, { mode: 0o555 })
    // Root may write anywhere; drop that so the check sees what a user would.
    const prefix = ['setpriv', '--bounding-set=-dac_override,-dac_read_search', '--']
    const refused = studioCli(['export', String(runId), path.join(locked, 'x'), '--project', proj], {
      prefix: process.getuid?.() === 0 ? prefix : [],
    })
    expect(refused.code).toBe(1)
    expect(refused.stderr).toBe(`studio: cannot write in ${locked}: permission denied\n`)
  }, 120_000)
})
