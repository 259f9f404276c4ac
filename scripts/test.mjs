#!/usr/bin/env node
// `npm test`: the checks (scripts/checks.mjs: type checks, ESLint, Prettier) and the suite (vitest run,
// with any arguments given to npm test) at once. The checks run only on idle CPU time (SCHED_IDLE,
// checks.mjs --nice): the suite keeps both cores while it has work for them and the checks take up
// the time it leaves idle (the last slow files, processes waiting on each other or the browser), so
// on two cores they add little to its time instead of ≈ 40 s before it. The checks' report is printed after the suite's; the exit status is
// 1 if either failed.
import { spawn } from 'node:child_process'
import path from 'node:path'

const root = path.resolve(import.meta.dirname, '..')

const checks = spawn(process.execPath, [path.join(root, 'scripts', 'checks.mjs'), '--nice'], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'pipe'],
})
let report = ''
checks.stdout.on('data', (d) => (report += d))
checks.stderr.on('data', (d) => (report += d))
const checked = new Promise((resolve) => checks.on('close', (code) => resolve(code === 0)))

const vitest = spawn(
  process.execPath,
  [path.join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', ...process.argv.slice(2)],
  { cwd: root, stdio: 'inherit' },
)
const tested = new Promise((resolve) => vitest.on('close', (code) => resolve(code === 0)))
// Ctrl-C reaches both through the terminal; a plain kill of this script stops them too.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    checks.kill(signal)
    vitest.kill(signal)
  })
}

const testsOk = await tested
const checksOk = await checked
process.stdout.write(`\nChecks (type checks, ESLint, Prettier; run beside the tests):\n${report}`)
if (!checksOk) process.stdout.write('The checks failed: see above.\n')
process.exitCode = testsOk && checksOk ? 0 : 1
