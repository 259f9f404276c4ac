import fs from 'node:fs'
import path from 'node:path'
import { SCHEMA_VERSION } from '../../../main/engine/store/schema'
import { badOriginals, filesUnder, integrity, labelsOf, query, scalar } from './check'
import {
  childrenOf,
  groupMembers,
  kill,
  killGroup,
  runStudio,
  sleep,
  start,
  studio,
  waitGone,
  type Done,
  type Proc,
} from './proc'
import { copyProject, type Templates } from './templates'

/**
 * One kill -9 trial per call: start the real command on a fresh copy of a template project, kill it
 * (or its trainer, or its whole process group) at a random moment, then check what a user would
 * find: an intact database, every acknowledged label, exact counts once the interrupted command is
 * run again, no lock left that blocks that command, and a training run that `--resume` finishes.
 */

export const KINDS = ['import', 'label-cli', 'label-http', 'version', 'train', 'score', 'export', 'migrate'] as const
export type Kind = (typeof KINDS)[number]

export interface TrialResult {
  kind: Kind
  /** What was killed and when, e.g. `trainer @ 2310 ms`. */
  what: string
  corrupt: boolean
  /** Acknowledged writes (labels, dataset versions) missing after the kill. */
  lost: number
  unresumable: boolean
  blocked: boolean
  /** Every failed check, in words; empty when the trial passed. */
  failures: string[]
  /** Notes that are not failures (the kill came after the command had finished, debris left). */
  notes: string[]
}

export interface TrialCtx {
  t: Templates
  /** A fresh folder for this trial. */
  dir: string
  rand: () => number
  /** Full duration (ms) of a kind's command without a kill, measured once per suite. */
  calibrated: Map<Kind, number>
}

type Scenario = (ctx: TrialCtx, r: TrialResult) => Promise<void>

const LOCKED = /already running|ProjectLocked|locked/i

/** The line of stderr that says what went wrong (an uncaught error's message, else the last line). */
export function why(stderr: string): string {
  const lines = stderr.trim().split('\n')
  return (lines.find((l) => /\w*Error\b/.test(l) && !/^\s+at /.test(l)) ?? lines.pop() ?? '').trim()
}

function rerunFailed(r: TrialResult, what: string, d: Done): void {
  if (LOCKED.test(d.stderr)) {
    r.blocked = true
    r.failures.push(`${what} blocked: ${why(d.stderr)}`)
  } else r.failures.push(`${what} exited ${d.code ?? d.signal}: ${why(d.stderr)}`)
}

function checkIntegrity(dir: string, r: TrialResult): void {
  const ic = integrity(dir)
  if (ic !== 'ok') {
    r.corrupt = true
    r.failures.push(`integrity: ${ic}`)
  }
}

/**
 * A random moment within the command's calibrated duration; the last 15 % are left out, since a
 * command often runs faster than its calibration (less load) and a kill after the end tests nothing.
 */
async function killDelay(ctx: TrialCtx, kind: Kind, measure: () => Promise<number>): Promise<number> {
  if (!ctx.calibrated.has(kind)) ctx.calibrated.set(kind, await measure())
  return Math.round(ctx.rand() * ctx.calibrated.get(kind)! * 0.85)
}

/** Runs `args` to the end once on a copy of `template` and returns how long it took. */
async function timeFull(ctx: TrialCtx, template: string | null, args: (dir: string) => string[]): Promise<number> {
  const dir = path.join(ctx.dir, 'calibrate')
  if (template) copyProject(template, dir)
  const t0 = Date.now()
  const d = await runStudio(args(dir))
  if (d.code !== 0) throw new Error(`calibration run of ${args(dir).join(' ')} failed: ${d.stderr}`)
  const ms = Date.now() - t0
  fs.rmSync(dir, { recursive: true, force: true })
  return ms
}

/** Kills `p` after `ms`; resolves with the process's end and whether it was still running when killed. */
async function killAt(p: Proc, ms: number, doKill: () => void): Promise<{ d: Done; hit: boolean }> {
  let ended = false
  void p.done.then(() => (ended = true))
  await Promise.race([sleep(ms), p.done])
  const hit = !ended
  if (hit) doKill()
  return { d: await p.done, hit }
}

const importScenario: Scenario = async (ctx, r) => {
  const { t } = ctx
  const proj = path.join(ctx.dir, 'p')
  copyProject(t.empty, proj)
  const args = (dir: string) => ['import', t.importSrc, '-p', dir, '--json']
  const ms = await killDelay(ctx, 'import', () => timeFull(ctx, t.empty, args))
  const p = studio(args(proj))
  const { hit } = await killAt(p, ms, () => kill(p.pid))
  r.what = `cli @ ${ms} ms`
  if (!hit) r.notes.push('finished before the kill')
  checkIntegrity(proj, r)
  const again = await runStudio(args(proj))
  if (again.code !== 0) return rerunFailed(r, 'import again', again)
  await expectStats(proj, r, {
    images: t.importGood,
    errors: t.importBad,
    classes: { a: t.importGood / 3, b: t.importGood / 3, c: t.importGood / 3 },
  })
  const bad = badOriginals(proj)
  if (bad.length) r.failures.push(`originals: ${bad.length} bad, e.g. ${bad[0]}`)
}

async function expectStats(proj: string, r: TrialResult, want: Record<string, unknown>): Promise<void> {
  const d = await runStudio(['stats', '-p', proj, '--json'])
  if (d.code !== 0) return rerunFailed(r, 'stats', d)
  const got = JSON.parse(d.stdout) as Record<string, unknown>
  for (const [k, v] of Object.entries(want))
    if (JSON.stringify(got[k]) !== JSON.stringify(v))
      r.failures.push(`stats.${k}: ${JSON.stringify(got[k])}, expected ${JSON.stringify(v)}`)
}

/** A label write: these images get this class (null: unlabeled). */
interface Write {
  ids: number[]
  cls: number | null
}

function pickWrite(ctx: TrialCtx, ids: number[], classes: number[]): Write {
  const n = 1 + Math.floor(ctx.rand() * 4)
  const chosen = new Set<number>()
  while (chosen.size < Math.min(n, ids.length)) chosen.add(ids[Math.floor(ctx.rand() * ids.length)]!)
  const c = Math.floor(ctx.rand() * (classes.length + 1))
  return { ids: [...chosen].sort((a, b) => a - b), cls: c < classes.length ? classes[c]! : null }
}

/**
 * Compares labels with the acknowledgement log: an image must show its last acknowledged label, or
 * the label of a write that was in flight when the process died (all of that write or none of it).
 * Returns the number of images whose acknowledged label is gone.
 */
function checkAcks(
  actual: Map<number, number | null>,
  acked: Map<number, number | null>,
  inFlight: Write[],
  r: TrialResult,
): number {
  let lost = 0
  for (const [id, want] of acked) {
    const got = actual.get(id)
    if (got === want) continue
    if (inFlight.some((w) => w.ids.includes(id) && w.cls === got)) continue
    lost++
    if (lost <= 3) r.failures.push(`image ${id}: label ${got}, acknowledged ${want}`)
  }
  for (const w of inFlight) {
    const applied = w.ids.filter((id) => actual.get(id) === w.cls).length
    const alreadyThere = w.ids.filter((id) => acked.get(id) === w.cls).length
    if (applied !== w.ids.length && applied !== alreadyThere)
      r.failures.push(`a write in flight was half applied: ${applied}/${w.ids.length} of ${w.ids.join(',')}`)
  }
  return lost
}

function exact(actual: Map<number, number | null>, expected: Map<number, number | null>, r: TrialResult): void {
  const diff = [...expected].filter(([id, c]) => actual.get(id) !== c)
  if (diff.length)
    r.failures.push(`after the rerun ${diff.length} labels differ from the log, e.g. image ${diff[0]![0]}`)
}

function classIds(proj: string): Map<string, number> {
  return new Map(query<{ id: number; name: string }>(proj, 'SELECT id, name FROM classes').map((c) => [c.name, c.id]))
}

const labelCliScenario: Scenario = async (ctx, r) => {
  const proj = copyProject(ctx.t.labeled, path.join(ctx.dir, 'p'))
  const acked = labelsOf(proj)
  const ids = [...acked.keys()]
  const names = classIds(proj)
  const byId = new Map([...names].map(([n, id]) => [id, n]))
  // Each command takes about a second (Node + tsx start-up); kill within the first ~6.
  const ms = Math.round(ctx.rand() * 6000)
  r.what = `label command @ ${ms} ms`
  const t0 = Date.now()
  let current: Proc | null = null
  let currentWrite: Write | null = null
  let killed = false
  const timer = setTimeout(() => {
    killed = true
    if (current) kill(current.pid)
  }, ms)
  const cmd = (w: Write) =>
    w.cls === null
      ? ['label', 'clear', ...w.ids.map(String), '-p', proj]
      : ['label', 'set', byId.get(w.cls)!, ...w.ids.map(String), '-p', proj]
  const inFlight: Write[] = []
  let acks = 0
  while (!killed && Date.now() - t0 < 30_000) {
    const w = pickWrite(ctx, ids, [...names.values()])
    currentWrite = w
    current = studio(cmd(w))
    const d = await current.done
    current = null
    if (d.code === 0) {
      for (const id of w.ids) acked.set(id, w.cls)
      acks++
    } else if (d.signal === 'SIGKILL') inFlight.push(w)
    else r.failures.push(`label command exited ${d.code}: ${d.stderr.trim()}`)
  }
  clearTimeout(timer)
  r.notes.push(`${acks} acknowledged, ${inFlight.length} in flight`)
  checkIntegrity(proj, r)
  r.lost += checkAcks(labelsOf(proj), acked, inFlight, r)
  for (const w of inFlight) {
    const d = await runStudio(cmd(w))
    if (d.code !== 0) return rerunFailed(r, 'label again', d)
    for (const id of w.ids) acked.set(id, w.cls)
  }
  if (!inFlight.length && currentWrite) r.notes.push('killed between commands')
  exact(labelsOf(proj), acked, r)
}

interface Server {
  proc: Proc
  port: number
  token: string
}

async function serve(proj: string): Promise<Server | Done> {
  const proc = studio(['serve', '-p', proj, '--json'])
  const line = await Promise.race([
    new Promise<string>((resolve) => {
      let buf = ''
      proc.child.stdout!.on('data', (d: Buffer) => {
        buf += d.toString()
        if (buf.includes('\n')) resolve(buf.split('\n')[0]!)
      })
    }),
    proc.done.then(() => null),
  ])
  if (line === null) return proc.done
  const info = JSON.parse(line) as { url: string; token: string }
  return { proc, port: Number(new URL(info.url).port), token: info.token }
}

async function call(s: Server, method: string, payload: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`http://127.0.0.1:${s.port}/api/call/${method}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(payload),
  })
  return { status: res.status, body: await res.json().catch(() => null) }
}

const labelHttpScenario: Scenario = async (ctx, r) => {
  const proj = copyProject(ctx.t.labeled, path.join(ctx.dir, 'p'))
  const acked = labelsOf(proj)
  const ids = [...acked.keys()]
  const classes = [...classIds(proj).values()]
  const s = await serve(proj)
  if (!('port' in s)) return rerunFailed(r, 'serve', s)
  const ms = 200 + Math.round(ctx.rand() * 2500)
  r.what = `server @ ${ms} ms of label requests`
  // Four lanes of requests in flight at once, each on its own images, so each image's order is known.
  const lanes = [0, 1, 2, 3].map((k) => ids.filter((_, i) => i % 4 === k))
  const inFlight: (Write | null)[] = [null, null, null, null]
  let stop = false
  let acks = 0
  const lane = async (k: number) => {
    while (!stop) {
      const w = pickWrite(ctx, lanes[k]!, classes)
      inFlight[k] = w
      try {
        const res = await call(s, 'setLabels', { imageIds: w.ids, classId: w.cls })
        if (res.status !== 200) r.failures.push(`setLabels answered ${res.status}: ${JSON.stringify(res.body)}`)
        else {
          for (const id of w.ids) acked.set(id, w.cls)
          acks++
        }
        inFlight[k] = null
      } catch {
        return // the server is gone: this write's fate is unknown
      }
    }
  }
  const running = [0, 1, 2, 3].map(lane)
  await sleep(ms)
  kill(s.proc.pid)
  await s.proc.done
  stop = true
  await Promise.all(running)
  checkIntegrity(proj, r)
  const pending = inFlight.filter((w): w is Write => w !== null)
  r.notes.push(`${acks} acknowledged, ${pending.length} in flight`)
  r.lost += checkAcks(labelsOf(proj), acked, pending, r)
  // The next server must open the project (its app.lock names a dead process) and take the writes again.
  const s2 = await serve(proj)
  if (!('port' in s2)) return rerunFailed(r, 'serve again', s2)
  for (const w of pending) {
    const res = await call(s2, 'setLabels', { imageIds: w.ids, classId: w.cls })
    if (res.status !== 200) r.failures.push(`setLabels again answered ${res.status}`)
    else for (const id of w.ids) acked.set(id, w.cls)
  }
  s2.proc.child.kill('SIGTERM')
  await s2.proc.done
  exact(labelsOf(proj), acked, r)
}

const VERSIONS = 6
const versionChild = path.join(import.meta.dirname, 'version-child.ts')

const versionScenario: Scenario = async (ctx, r) => {
  const { t } = ctx
  const proj = copyProject(t.rows, path.join(ctx.dir, 'p'))
  const ms = await killDelay(ctx, 'version', async () => {
    const dir = copyProject(t.rows, path.join(ctx.dir, 'calibrate'))
    const t0 = Date.now()
    const d = await start(versionChild, [dir, '1', String(VERSIONS)]).done
    if (d.code !== 0) throw new Error(`version child failed: ${d.stderr}`)
    fs.rmSync(dir, { recursive: true, force: true })
    return Date.now() - t0
  })
  const p = start(versionChild, [proj, '1', String(VERSIONS)])
  const { d, hit } = await killAt(p, ms, () => kill(p.pid))
  r.what = `version child @ ${ms} ms`
  if (!hit) r.notes.push('finished before the kill')
  checkIntegrity(proj, r)
  const acks = [...d.stdout.matchAll(/^ack (\d+) (\d+)$/gm)].map((m) => ({ seed: Number(m[1]), id: Number(m[2]) }))
  const counts = new Map(
    query<{ id: number; n: number }>(
      proj,
      'SELECT v.id, (SELECT count(*) FROM dataset_items i WHERE i.version_id = v.id) AS n FROM dataset_versions v',
    ).map((v) => [v.id, v.n]),
  )
  for (const a of acks) if (!counts.has(a.id)) r.lost++
  for (const [id, n] of counts)
    if (n !== t.rowsLabeled) r.failures.push(`version ${id} holds ${n} of ${t.rowsLabeled} items`)
  const next = (acks.at(-1)?.seed ?? 0) + 1
  if (next <= VERSIONS) {
    const again = await start(versionChild, [proj, String(next), String(VERSIONS)]).done
    if (again.code !== 0) return rerunFailed(r, 'versions again', again)
  }
  const total = scalar(proj, 'SELECT count(*) FROM dataset_versions')
  const items = scalar(proj, 'SELECT count(*) FROM dataset_items')
  if (total !== VERSIONS || items !== VERSIONS * t.rowsLabeled)
    r.failures.push(`${total} versions with ${items} items after the rerun, expected ${VERSIONS} × ${t.rowsLabeled}`)
}

const TRAIN_TARGETS = ['cli', 'trainer', 'group'] as const

const trainScenario: Scenario = async (ctx, r) => {
  const { t } = ctx
  const proj = copyProject(t.shapes, path.join(ctx.dir, 'p'))
  const args = (dir: string) => ['train', '-p', dir, ...t.trainArgs, '--json']
  const ms = await killDelay(ctx, 'train', () => timeFull(ctx, t.shapes, args))
  const target = TRAIN_TARGETS[Math.floor(ctx.rand() * TRAIN_TARGETS.length)]!
  const p = studio(args(proj))
  let what: string = target
  const { hit } = await killAt(p, ms, () => {
    const trainer = childrenOf(p.pid)[0]
    if (target === 'group') killGroup(p.pid)
    else if (target === 'trainer' && trainer) kill(trainer)
    else {
      if (target === 'trainer') what = 'cli (no trainer yet)'
      kill(p.pid)
    }
  })
  r.what = `${what} @ ${ms} ms`
  if (!hit) r.notes.push('finished before the kill')
  checkIntegrity(proj, r)
  // No waiting for an orphaned trainer: a user runs --resume straight away.
  const runs = query<{ id: number; status: string }>(proj, 'SELECT id, status FROM runs')
  if (runs.length === 0) {
    const d = await runStudio(args(proj))
    if (d.code !== 0) return rerunFailed(r, 'train again', d)
  } else if (runs[0]!.status !== 'done') {
    const d = await runStudio(['train', '-p', proj, '--resume', String(runs[0]!.id), '--json'])
    if (d.code !== 0 || (JSON.parse(d.stdout || '{}') as { status?: string }).status !== 'done') {
      r.unresumable = true
      if (d.code !== 0) rerunFailed(r, 'train --resume', d)
      else r.failures.push(`train --resume ended ${d.stdout.trim()}`)
    }
  }
  const stray = groupMembers(p.pid)
  if (!(await waitGone(stray, 30_000))) {
    r.failures.push(`processes of the killed command still running 30 s later: ${stray.join(', ')}`)
    stray.forEach(kill)
  }
  const final = query<{ id: number; status: string; epochs: number }>(
    proj,
    'SELECT id, status, (SELECT count(*) FROM run_epochs e WHERE e.run_id = runs.id) AS epochs FROM runs',
  )
  const epochs = Number(t.trainArgs[t.trainArgs.indexOf('--epochs') + 1])
  if (final.length !== 1) r.failures.push(`${final.length} runs, expected 1`)
  else if (final[0]!.status !== 'done' || final[0]!.epochs !== epochs)
    r.failures.push(
      `run ${final[0]!.id}: ${final[0]!.status} with ${final[0]!.epochs} epoch rows, expected done with ${epochs}`,
    )
  const dupEpochs = scalar(proj, "SELECT count(*) - count(DISTINCT run_id || ':' || epoch) FROM run_epochs")
  if (dupEpochs) r.failures.push(`${dupEpochs} duplicate epoch rows`)
}

const scoreScenario: Scenario = async (ctx, r) => {
  const { t } = ctx
  const proj = copyProject(t.trained, path.join(ctx.dir, 'p'))
  const args = (dir: string) => ['score', '1', '-p', dir, '--json']
  const ms = await killDelay(ctx, 'score', () => timeFull(ctx, t.trained, args))
  const p = studio(args(proj))
  const { hit } = await killAt(p, ms, () => kill(p.pid))
  r.what = `cli @ ${ms} ms`
  if (!hit) r.notes.push('finished before the kill')
  checkIntegrity(proj, r)
  const d = await runStudio(args(proj))
  if (d.code !== 0) return rerunFailed(r, 'score again', d)
  const images = scalar(proj, 'SELECT count(*) FROM images')
  const scored = scalar(proj, 'SELECT count(*) FROM scores WHERE run_id = 1')
  if (scored !== images) r.failures.push(`${scored} scores for ${images} images`)
}

/** '' when `dir` holds a complete export (every file export.json lists, at its size), else why not. */
function incompleteExport(dir: string): string {
  const manifest = path.join(dir, 'export.json')
  if (!fs.existsSync(manifest)) return 'no export.json'
  const m = JSON.parse(fs.readFileSync(manifest, 'utf8')) as {
    files: { path: string; bytes?: number; size?: number }[]
  }
  for (const f of m.files) {
    const file = path.join(dir, f.path)
    if (!fs.existsSync(file)) return `${f.path} missing`
    const want = f.bytes ?? f.size
    if (want !== undefined && fs.statSync(file).size !== want) return `${f.path} has the wrong size`
  }
  return ''
}

const exportScenario: Scenario = async (ctx, r) => {
  const { t } = ctx
  const proj = copyProject(t.trained, path.join(ctx.dir, 'p'))
  const dest = path.join(ctx.dir, 'out')
  const args = (dir: string, to: string) => ['export', '1', to, '-p', dir, '--json']
  const ms = await killDelay(ctx, 'export', () =>
    timeFull(ctx, t.trained, (dir) => args(dir, path.join(ctx.dir, 'calibrate-out'))),
  )
  fs.rmSync(path.join(ctx.dir, 'calibrate-out'), { recursive: true, force: true })
  fs.rmSync(path.join(ctx.dir, 'calibrate-out.zip'), { force: true })
  const group = ctx.rand() < 0.5
  const p = studio(args(proj, dest))
  const { d: first, hit } = await killAt(p, ms, () => (group ? killGroup(p.pid) : kill(p.pid)))
  r.what = `${group ? 'group' : 'cli'} @ ${ms} ms`
  if (!hit) r.notes.push('finished before the kill')
  if (!hit && first.code !== 0) r.failures.push(`export exited ${first.code} without a kill: ${why(first.stderr)}`)
  checkIntegrity(proj, r)
  await waitGone(groupMembers(p.pid), 30_000)
  const present = fs.existsSync(dest) ? filesUnder(dest) : null
  const complete = present !== null && incompleteExport(dest) === ''
  if (present && present.length && !complete)
    r.failures.push(`a partial export under the chosen name: ${incompleteExport(dest)}`)
  if (fs.existsSync(`${dest}.zip`) && !complete) r.failures.push('a zip beside an incomplete export')
  if (!complete) {
    const d = await runStudio(args(proj, dest))
    if (d.code !== 0) return rerunFailed(r, 'export again', d)
    const why = incompleteExport(dest)
    if (why) r.failures.push(`export after the rerun: ${why}`)
  }
  const debris = fs.readdirSync(ctx.dir).filter((n) => n.startsWith('.out'))
  if (debris.length) r.notes.push(`left beside the export: ${debris.join(', ')}`)
}

const migrateScenario: Scenario = async (ctx, r) => {
  const { t } = ctx
  const proj = copyProject(t.old, path.join(ctx.dir, 'p'))
  const args = (dir: string) => ['stats', '-p', dir, '--json']
  const ms = await killDelay(ctx, 'migrate', () => timeFull(ctx, t.old, args))
  const p = studio(args(proj))
  const { hit } = await killAt(p, ms, () => kill(p.pid))
  r.what = `cli @ ${ms} ms`
  if (!hit) r.notes.push('finished before the kill')
  checkIntegrity(proj, r)
  const v = scalar(proj, 'PRAGMA user_version')
  if (v !== 1 && v !== SCHEMA_VERSION) {
    r.corrupt = true
    r.failures.push(`user_version ${v}: a migration half applied`)
  }
  await expectStats(proj, r, { images: t.oldImages })
  const after = scalar(proj, 'PRAGMA user_version')
  if (after !== SCHEMA_VERSION) r.failures.push(`user_version ${after} after the rerun, expected ${SCHEMA_VERSION}`)
  if (scalar(proj, 'SELECT count(*) FROM images') !== t.oldImages) r.lost++
}

export const SCENARIOS: Record<Kind, Scenario> = {
  import: importScenario,
  'label-cli': labelCliScenario,
  'label-http': labelHttpScenario,
  version: versionScenario,
  train: trainScenario,
  score: scoreScenario,
  export: exportScenario,
  migrate: migrateScenario,
}

export async function runTrial(kind: Kind, ctx: TrialCtx): Promise<TrialResult> {
  const r: TrialResult = {
    kind,
    what: '',
    corrupt: false,
    lost: 0,
    unresumable: false,
    blocked: false,
    failures: [],
    notes: [],
  }
  fs.mkdirSync(ctx.dir, { recursive: true })
  try {
    await SCENARIOS[kind](ctx, r)
  } catch (err) {
    r.failures.push(`trial error: ${err instanceof Error ? err.message : String(err)}`)
  }
  return r
}
