import fs from 'node:fs'
import path from 'node:path'
import sharp from 'sharp'
import { rng } from '../../../main/engine/random'
import { Studio } from '../../../main/engine/studio'
import { csvChecks } from './csv'
import { importCorpus, readDenial } from './import-check'
import { unlockCorpus, writeCorpus } from './malformed'
import { fuzzRequests, makeSandbox, sandboxPaths } from './requests'
import { ipcTarget, rawTraffic, serveTarget } from './targets'

/**
 * The bad-input suite: a malformed corpus imported by the real CLI, fast-check payloads for every
 * request through HTTP (a real `studio serve`) and through the IPC binding, raw malformed HTTP and
 * WebSocket traffic, hostile CSVs. bench/fuzz.ts runs it at full size, tests/reliability at a
 * reduced one.
 */
export interface FuzzOptions {
  root: string
  bad: number
  good: number
  /** fast-check runs per contract method and transport. */
  runsPerMethod: number
  /** Rounds of raw traffic (random bytes + a hostile request + WebSocket frames each). */
  raw: number
  seed: number
  /** Train a tiny run first, so requests about runs reach more than "no such run". */
  trainRun: boolean
  log?: (line: string) => void
}

export interface FuzzSummary {
  files: number
  crashes: number
  goodLost: number
  requests: number
  status500: number
  serverDown: number
  peakRssMb: number
  failures: string[]
  notes: string[]
}

export const fuzzLine = (s: FuzzSummary) =>
  `files=${s.files} crashes=${s.crashes} good_lost=${s.goodLost} requests=${s.requests} status_500=${s.status500} server_down=${s.serverDown}`

export async function runFuzz(o: FuzzOptions): Promise<FuzzSummary> {
  fs.mkdirSync(o.root, { recursive: true })
  // Payloads name relative paths ('', '.', 'relative/folder'), which the engine resolves against the
  // working folder: make that the sandbox, so a fuzz run never writes projects into the caller's folder.
  const cwd = process.cwd()
  process.chdir(o.root)
  try {
    return await fuzzIn(o)
  } finally {
    process.chdir(cwd)
  }
}

async function fuzzIn(o: FuzzOptions): Promise<FuzzSummary> {
  const log = o.log ?? (() => {})
  const denial = readDenial()
  const notes = [denial.note]
  const failures: string[] = []

  // 1. Files.
  let t0 = Date.now()
  const corpus = await writeCorpus(path.join(o.root, 'corpus'), {
    bad: o.bad,
    good: o.good,
    seed: o.seed,
    unreadableDenied: denial.denied,
  })
  notes.push(...corpus.notes)
  const kinds = new Set(corpus.entries.map((e) => e.kind))
  const bad = corpus.entries.filter((e) => e.expect !== 'good').length
  log(`corpus: ${corpus.entries.length} files (${bad} malformed, ${kinds.size} kinds) in ${sec(t0)} s`)
  const imp = importCorpus(corpus, path.join(o.root, 'import-proj'))
  unlockCorpus(corpus)
  failures.push(...imp.failures)
  log(
    `import: ${imp.imported} images, ${imp.listed} listed, ${imp.crashes} crashes, ${imp.goodLost} good lost, peak RSS ${imp.peakRssMb} MB, ${imp.seconds.toFixed(1)} s`,
  )

  // 2. CSV.
  t0 = Date.now()
  const csv = await csvChecks(path.join(o.root, 'csv'))
  failures.push(...csv.failures)
  log(`csv: ${csv.rows} hostile rows, ${csv.failures.length} failures, ${sec(t0)} s`)

  // 3. Requests: a project with labels (and a run), a sandbox for every path.
  const proj = path.join(o.root, 'req-proj')
  const studio = Studio.init(proj)
  const shapes = path.join(o.root, 'req-src')
  for (let i = 0; i < 12; i++) {
    const file = path.join(shapes, i % 2 ? 'odd' : 'even', `i${i}.png`)
    fs.mkdirSync(path.dirname(file), { recursive: true })
    await sharp({ create: { width: 32, height: 32, channels: 3, background: { r: i * 20, g: 100, b: 200 - i * 10 } } })
      .png()
      .toFile(file)
  }
  await studio.import(shapes)
  studio.close()
  if (o.trainRun) {
    const { studioJson } = await import('../crash/proc')
    await studioJson([
      'train',
      '-p',
      proj,
      '--epochs',
      '1',
      '--input-size',
      '32',
      '--split',
      '50/25/25',
      '--workers',
      '1',
    ])
  }
  const sandbox = makeSandbox(path.join(o.root, 'sandbox'), fs.readFileSync(path.join(shapes, 'odd', 'i1.png')))
  const paths = sandboxPaths(sandbox.root)

  t0 = Date.now()
  const server = await serveTarget(proj, sandbox.root)
  const http = await fuzzRequests(server, paths, o.runsPerMethod, o.seed, log)
  let serverDown = (await server.healthy()) ? 0 : 1
  log(
    `http: ${http.requests} requests, ${http.status500} answered 500, server ${serverDown ? 'DOWN' : 'up'}, ${sec(t0)} s`,
  )
  failures.push(...http.examples.map((e) => `http 500: ${e}`))

  t0 = Date.now()
  const raw = serverDown ? { requests: 0, status500: 0 } : await rawTraffic(server, o.raw, rng(o.seed))
  const rawDown = serverDown ? 0 : (await server.healthy()) ? 0 : 1
  serverDown += rawDown
  log(
    `raw: ${raw.requests} malformed requests and frames, ${raw.status500} 500s, server ${rawDown ? 'DOWN' : 'up'}, ${sec(t0)} s`,
  )
  const serverLog = server.log()
  await server.stop()
  const crashLines = serverLog.split('\n').filter((l) => /uncaught|unhandled|FATAL/i.test(l))
  failures.push(...crashLines.slice(0, 5).map((l) => `server log: ${l}`))

  t0 = Date.now()
  const ipc = ipcTarget(proj, path.join(sandbox.root, 'recent.json'))
  const viaIpc = await fuzzRequests(ipc, paths, o.runsPerMethod, o.seed + 1, log)
  // Let work the requests started finish reporting before looking for unhandled rejections.
  await new Promise((r) => setTimeout(r, 500))
  await ipc.close()
  log(
    `ipc: ${viaIpc.requests} requests, ${viaIpc.status500} answered 500, ${ipc.unhandled.length} unhandled, ${sec(t0)} s`,
  )
  failures.push(...viaIpc.examples.map((e) => `ipc 500: ${e}`), ...ipc.unhandled.slice(0, 5))

  return {
    files: corpus.entries.length + csv.rows,
    crashes: imp.crashes + ipc.unhandled.length + crashLines.length,
    goodLost: imp.goodLost,
    requests: http.requests + raw.requests + viaIpc.requests,
    status500: http.status500 + raw.status500 + viaIpc.status500,
    serverDown,
    peakRssMb: imp.peakRssMb,
    failures,
    notes,
  }
}

const sec = (t0: number) => ((Date.now() - t0) / 1000).toFixed(1)
