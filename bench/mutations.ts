/**
 * bench/mutations: targeted mutation testing of store/, datasets/, evaluation/ and server/. Each
 * mutant (bench/lib/mutants.ts: a small realistic bug as a text replacement) is applied to a copy of
 * the code in a temporary folder, the test files that concern it run (stopping at the first failure),
 * and the mutant counts as killed when they fail; the file is restored before the next one. The
 * checkout itself is never changed.
 *
 *   npm run bench:mutations [-- --only <regex on area, file or description>] [--list]
 *
 * Resources: one vitest process at a time (vitest's own 2 workers). Last line:
 * mutants=<n> killed=<n> score=<killed/n>.
 */
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { MUTANTS, type Area, type Mutant } from './lib/mutants/index'

const repo = path.resolve(import.meta.dirname, '..')
const arg = (name: string) => {
  const i = process.argv.indexOf(name)
  return i < 0 ? undefined : process.argv[i + 1]
}
const only = arg('--only')
const listOnly = process.argv.includes('--list')
const TIMEOUT_S = Number(arg('--timeout') ?? 600)

const chosen = MUTANTS.filter((mu) => !only || new RegExp(only, 'i').test(`${mu.area} ${mu.file} ${mu.what}`))

/** The number of times `find` occurs in `text`. */
const occurrences = (text: string, find: string) => text.split(find).length - 1

// Every mutant must still match its file exactly once: a stale one is an error, not a survivor.
const stale = chosen.filter((mu) => occurrences(fs.readFileSync(path.join(repo, mu.file), 'utf8'), mu.find) !== 1)
for (const mu of stale) console.error(`stale mutant (its text is not in ${mu.file} exactly once): ${mu.what}`)
if (stale.length) process.exit(2)

if (listOnly) {
  for (const mu of chosen) console.log(`${mu.area.padEnd(10)} ${mu.file.padEnd(34)} ${mu.what}`)
  console.log(`${chosen.length} mutants`)
  process.exit(0)
}

/**
 * A copy of what the tests need, beside a `shared` link (tests find shared data at ../shared), with
 * the checkout's node_modules linked in.
 */
function makeCopy(): string {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'studio-mutants-'))
  const copy = path.join(base, 'repo')
  fs.mkdirSync(copy)
  for (const entry of ['main', 'preload', 'tests', 'bin', 'resources', 'renderer']) {
    fs.cpSync(path.join(repo, entry), path.join(copy, entry), { recursive: true })
  }
  for (const file of fs.readdirSync(repo)) {
    if (/^(package\.json|tsconfig.*\.json|vitest\.config\.ts)$/.test(file)) {
      fs.copyFileSync(path.join(repo, file), path.join(copy, file))
    }
  }
  fs.symlinkSync(path.join(repo, 'node_modules'), path.join(copy, 'node_modules'))
  const shared = path.resolve(repo, '../shared')
  if (fs.existsSync(shared)) fs.symlinkSync(shared, path.join(base, 'shared'))
  return copy
}

function runTests(copy: string, tests: string[], bail: boolean): { ok: boolean; seconds: number; tail: string } {
  const t = performance.now()
  const r = spawnSync(
    process.execPath,
    [
      path.join(copy, 'node_modules/vitest/vitest.mjs'),
      'run',
      ...tests,
      '--reporter=dot',
      ...(bail ? ['--bail=1'] : []),
    ],
    { cwd: copy, encoding: 'utf8', timeout: TIMEOUT_S * 1000, env: { ...process.env, CI: '1' } },
  )
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`
  return {
    ok: r.status === 0,
    seconds: (performance.now() - t) / 1000,
    tail: out.trim().split('\n').slice(-6).join('\n'),
  }
}

const copy = makeCopy()
console.log(`${chosen.length} mutants; copy of the code in ${copy}`)
console.log(`resources: one vitest process at a time (its default workers) on ${os.availableParallelism()} cores`)

// The unmutated code must pass the same test files, or a failure would say nothing about a mutant.
const allTests = [...new Set(chosen.flatMap((mu) => mu.tests))]
const baseline = runTests(copy, allTests, false)
console.log(
  `baseline: ${allTests.length} test paths ${baseline.ok ? 'pass' : 'FAIL'} (${baseline.seconds.toFixed(0)} s)`,
)
if (!baseline.ok) {
  console.error(baseline.tail)
  process.exit(1)
}

const results: { mutant: Mutant; killed: boolean; seconds: number }[] = []
for (const [i, mu] of chosen.entries()) {
  const file = path.join(copy, mu.file)
  const original = fs.readFileSync(file, 'utf8')
  fs.writeFileSync(
    file,
    original.replace(mu.find, () => mu.replace),
  )
  let r: ReturnType<typeof runTests>
  try {
    r = runTests(copy, mu.tests, true)
  } finally {
    fs.writeFileSync(file, original)
  }
  results.push({ mutant: mu, killed: !r.ok, seconds: r.seconds })
  const tag = r.ok ? 'SURVIVED' : 'killed  '
  console.log(`${String(i + 1).padStart(3)} ${tag} ${mu.area}: ${mu.file}: ${mu.what} (${r.seconds.toFixed(0)} s)`)
}

console.log('\nby area:')
for (const area of ['store', 'datasets', 'evaluation', 'server'] satisfies Area[]) {
  const of = results.filter((r) => r.mutant.area === area)
  if (!of.length) continue
  const k = of.filter((r) => r.killed).length
  console.log(`  ${area.padEnd(11)} ${k}/${of.length} killed (${((100 * k) / of.length).toFixed(0)} %)`)
}
const survivors = results.filter((r) => !r.killed)
if (survivors.length) {
  console.log('survivors:')
  for (const s of survivors) console.log(`  ${s.mutant.file}: ${s.mutant.what}`)
}
fs.rmSync(path.dirname(copy), { recursive: true, force: true })
const killed = results.length - survivors.length
console.log(`mutants=${results.length} killed=${killed} score=${(killed / Math.max(1, results.length)).toFixed(3)}`)
