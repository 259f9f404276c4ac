#!/usr/bin/env node
// `npm test`'s checks before the tests: the type checks, ESLint and Prettier (the same commands as
// `npm run typecheck` and `npm run lint`). Each is one busy process on one core, so they run in two
// lanes at once, which halves their wall time on a two-core machine. A command's output is printed
// when it ends; the script exits 1 if any command failed (after all have run).
import { spawn, spawnSync } from 'node:child_process'
import path from 'node:path'

const root = path.resolve(import.meta.dirname, '..')

/** Two lanes of about equal CPU time (cold, in a fresh clone: about 40 s each on the 2-core VM). */
const LANES = [
  ['tsc --noEmit -p tsconfig.node.json', 'tsc --noEmit -p resources/tsconfig.json', 'prettier --cache --check .'],
  ['vue-tsc --noEmit -p tsconfig.web.json', 'eslint --cache --cache-location node_modules/.cache/eslint/ .'],
]

// --nice (npm test, which runs the checks beside the suite): every command only on CPU time the suite
// leaves idle (Linux's SCHED_IDLE through `chrt --idle 0`; it waits on its child processes and the
// browser often enough for the checks to finish meanwhile), else at the lowest `nice` priority.
const nice =
  process.argv.includes('--nice') && process.platform !== 'win32'
    ? hasCommand('chrt --idle 0 true')
      ? 'chrt --idle 0 '
      : 'nice -n 19 '
    : ''

function hasCommand(command) {
  return spawnSync(command, { shell: true, stdio: 'ignore' }).status === 0
}

const env = { ...process.env, PATH: [path.join(root, 'node_modules', '.bin'), process.env.PATH].join(path.delimiter) }

function run(command) {
  return new Promise((resolve) => {
    const t0 = Date.now()
    const child = spawn(nice + command, { cwd: root, env, shell: true, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    child.on('close', (code) => {
      const seconds = ((Date.now() - t0) / 1000).toFixed(1)
      process.stdout.write(`${code === 0 ? 'ok  ' : 'FAIL'} ${command} (${seconds} s)\n`)
      if (code !== 0 && out.trim()) process.stdout.write(out.endsWith('\n') ? out : out + '\n')
      resolve(code === 0)
    })
  })
}

const results = await Promise.all(
  LANES.map(async (lane) => {
    const ok = []
    for (const command of lane) ok.push(await run(command))
    return ok.every(Boolean)
  }),
)
process.exitCode = results.every(Boolean) ? 0 : 1
