/**
 * bench/crash: kill -9 trials. Each trial starts a real command on a fresh copy of a small project —
 * import, label bursts through the CLI and through `studio serve`'s HTTP API, dataset version
 * creation, training (killing the CLI, the trainer process with its threads, or the whole process
 * group), scoring, export, a schema migration — kills it at a random moment within its measured
 * duration, then checks: PRAGMA integrity_check and foreign_key_check, every label whose
 * acknowledgement arrived before the kill (the acknowledgement log), exact counts after the
 * interrupted command runs again, no lock that blocks that command, and `train --resume` finishing.
 *
 *   npm run bench:crash [-- --trials 56] [--seed 1] [--kinds import,train,…] [--keep <dir>]
 *
 * Resources: one command at a time (a training run uses its 2 worker threads), on this machine's
 * cores. Prints one line per trial; last line:
 * trials=<n> corrupt=<n> lost=<n> unresumable=<n> blocked=<n>.
 */
import os from 'node:os'
import path from 'node:path'
import { KINDS, type Kind } from '../tests/reliability/crash/scenarios'
import { runSuite, summaryLine } from '../tests/reliability/crash/suite'
import { printResources, trainerBackend } from './lib/resources'

const arg = (name: string) => {
  const i = process.argv.indexOf(name)
  return i < 0 ? undefined : process.argv[i + 1]
}
const kinds = (arg('--kinds')?.split(',') ?? [...KINDS]) as Kind[]
for (const k of kinds) if (!KINDS.includes(k)) throw new Error(`unknown kind ${k}; kinds: ${KINDS.join(', ')}`)
const trials = Number(arg('--trials') ?? 56)
const root = arg('--keep') ?? path.join(os.tmpdir(), `studio-crash-${process.pid}`)

console.log(`crash bench: ${trials} trials over ${kinds.join(', ')}`)
printResources({
  studio:
    'one command at a time, each in its own process (`studio …` or `studio serve`); a training trial runs the ' +
    'trainer child with 2 data-parallel worker threads (--workers 2); this process only starts, kills and checks',
  peer: 'none: each trial is checked against its acknowledgement log and the re-run command',
  backend: `training: ${trainerBackend().text}; better-sqlite3`,
})
const t0 = Date.now()
const s = await runSuite({
  root,
  trials,
  kinds,
  seed: Number(arg('--seed') ?? 1),
  sizes: { perClass: 20, rows: 3000, oldImages: 20_000, shapesPerClass: 12, epochs: 3 },
  log: (l) => console.log(l),
})
const byKind = kinds.map((k) => {
  const rs = s.results.filter((r) => r.kind === k)
  const missed = rs.filter((r) => r.notes.includes('finished before the kill')).length
  return `${k} ${rs.length - rs.filter((r) => r.failures.length).length}/${rs.length} ok${missed ? ` (${missed} finished before the kill)` : ''}`
})
console.log(byKind.join('; '))
console.log(`failures: ${s.failed}; lost acknowledged writes: ${s.lost}; ${((Date.now() - t0) / 60000).toFixed(1)} min`)
if (s.failed) console.log(`kept the failed trials' folders under ${root}`)
console.log(summaryLine(s))
process.exit(s.failed ? 1 : 0)
