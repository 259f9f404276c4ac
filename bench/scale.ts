/**
 * bench/scale: Studio end to end at 100,000 real images. Writes Fashion-MNIST's 70,000 images as
 * PNG class folders (train/<class>/, test/<class>/) plus 30,000 generated photo-like JPEGs of
 * assorted sizes (unlabeled, at the top) into a temporary folder, then measures, each step printing
 * its figure and the peak RSS of this process and every process under it (sampled every 200 ms,
 * plus each child's own high-water mark):
 *   import (`studio import`, a child process), the health report and stats, a dataset version
 *   (the split), one epoch of the seed CNN (Studio's trainer, its own process), scoring every image
 *   (`studio score`: the scoring job's code), page queries (the Browse requests, lens included), the
 *   grid's first tile in headless Chromium and the Browse lens there.
 *
 *   npm run build && npm run bench:scale [-- --images 100000] [-- --input-size 28] [-- --no-browser] [-- --keep]
 *
 * `--images N` scales the set (70 % Fashion-MNIST, at most 70,000, the rest photos).
 * Last line: images=<n> import_per_s=<x> split_s=<x> page_p95_ms=<x> first_tile_ms=<x> peak_rss_mb=<x>.
 */
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import sharp from 'sharp'
import { planSplit } from '../main/engine/datasets/split'
import { createDatasetVersion, splitGroupsOf } from '../main/engine/datasets/versions'
import { healthReport } from '../main/engine/health/report'
import { Studio } from '../main/engine/studio'
import { startTraining } from '../main/engine/training/runner'
import { trainResult } from '../main/cli/commands/train'
import { planSet } from './lib/scale-set'
import { RssSampler } from './lib/rss'
import { FASHION_DIR } from './lib/fashion'
import { browseInChromium } from './lib/scale-browser'
import { pageQueries } from './lib/scale-pages'

const arg = (name: string, d: number) => Number(process.argv[process.argv.indexOf(`--${name}`) + 1] || d) || d
const total = arg('images', 100_000)
const inputSize = arg('input-size', 28)
const browser = !process.argv.includes('--no-browser')
const keep = process.argv.includes('--keep')
const repo = path.resolve(import.meta.dirname, '..')
const renderer = path.join(repo, 'out/renderer')
if (!fs.existsSync(FASHION_DIR)) throw new Error(`${FASHION_DIR} is missing: apt-get install -y dataset-fashion-mnist`)
if (browser && !fs.existsSync(path.join(renderer, 'index.html')))
  throw new Error('run npm run build first (or pass --no-browser)')

const cores = os.availableParallelism()
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'studio-scale-'))
const set = path.join(work, 'set')
const proj = path.join(work, 'project')
const isBrowser = (comm: string) => /chrom/i.test(comm)
const rss = new RssSampler(isBrowser).start()
const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0)
const secs = (t: number) => (performance.now() - t) / 1000
/** Peak RSS (MB) of each Studio step: the headline is the largest. */
const peaks: number[] = []
function done(step: string, extra = ''): void {
  const r = rss.step()
  peaks.push(r.treeMb)
  console.log(
    `  [${step}] peak RSS ${r.treeMb.toFixed(0)} MB (this process + children), largest single process ${r.processMb.toFixed(0)} MB${extra}`,
  )
}

console.log(
  `resources: Studio on ${cores} cores (sharp/libvips ${sharp.versions.vips}, import ${3 * cores} files at once, ` +
    `trainer with its default workers); one process at a time besides this one; work folder ${work}`,
)

// 1. The set.
const plan = planSet(total)
let t = performance.now()
const written = JSON.parse(
  await node([
    path.join(import.meta.dirname, 'lib/write-scale-set.ts'),
    set,
    String(plan.fashion),
    String(plan.photos),
  ]),
) as { files: number; bytes: number; seconds: number }
console.log(
  `set: ${written.files} files (${plan.fashion} Fashion-MNIST PNGs, ${plan.photos} JPEGs), ${mb(written.bytes)} MB, written in ${written.seconds.toFixed(0)} s`,
)

// 2. Import, as a user runs it: `studio import` in its own process.
Studio.init(proj).close()
rss.mark()
t = performance.now()
const imp = JSON.parse(await cli(['import', set, '-p', proj, '--json'])) as {
  imported: number
  duplicates: number
  errors: number
  seconds: number
}
const importSecs = secs(t)
const importRate = imp.imported / importSecs
const sizes = { db: folderBytes(proj, /^studio\.db/), media: folderBytes(path.join(proj, 'media')) }
const thumbBytes = folderBytes(path.join(proj, 'thumbs'))
console.log(
  `import: ${imp.imported} images (${imp.duplicates} duplicates, ${imp.errors} errors) in ${importSecs.toFixed(0)} s ` +
    `(${imp.seconds.toFixed(0)} s inside the command) = ${importRate.toFixed(1)} images/s; ` +
    `studio.db ${mb(sizes.db)} MB, media ${mb(sizes.media)} MB, thumbs ${mb(thumbBytes)} MB`,
)
done('import')

const studio = Studio.open(proj)

// 3. Health report (train/test folders checked for leakage) and stats.
rss.mark()
t = performance.now()
const report = await healthReport(studio, { useOriginSplits: true }, null)
const healthSecs = secs(t)
t = performance.now()
await healthReport(studio, { useOriginSplits: true }, null)
const healthAgainMs = secs(t) * 1000
t = performance.now()
const stats = studio.stats()
const statsMs = secs(t) * 1000
const findings = report.findings.map((f) => `${f.kind} ${f.count}`).join(', ')
console.log(
  `health: report in ${healthSecs.toFixed(2)} s (again, cached: ${healthAgainMs.toFixed(0)} ms); findings: ${findings || 'none'}`,
)
console.log(
  `stats: ${stats.images} images, ${Object.keys(stats.classes).length} classes, ${stats.unlabeled} unlabeled, in ${statsMs.toFixed(1)} ms`,
)
done('health + stats')

// 4. A dataset version (70/15/15, seed 42), as training freezes one (the run then reuses it):
// the groups kept in one split, the plan, the rows written; then its parts alone.
rss.mark()
t = performance.now()
const versionId = createDatasetVersion(studio.store, {}, splitGroupsOf(studio))
const splitSecs = secs(t)
t = performance.now()
const groups = splitGroupsOf(studio)
const groupSecs = secs(t)
t = performance.now()
const labeled = studio.store.datasets.labeledImages()
const readSecs = secs(t)
t = performance.now()
const names = new Map(studio.labels.classes().map((c) => [c.id, c.name]))
planSplit(labeled, names, {}, groups)
const planSecs = secs(t)
t = performance.now()
createDatasetVersion(studio.store, {}, splitGroupsOf(studio))
const reuseSecs = secs(t)
t = performance.now()
createDatasetVersion(studio.store, {})
const ungroupedSecs = secs(t)
const split = studio.store.datasets.versions().find((v) => v.id === versionId)!
console.log(
  `dataset version ${versionId}: train ${split.train}, val ${split.val}, test ${split.test} in ${splitSecs.toFixed(3)} s (goal < 1 s); ` +
    `parts: groups ${groupSecs.toFixed(3)} s (${groups.length}, the report's cache), labeled rows read ${readSecs.toFixed(3)} s, ` +
    `plan ${planSecs.toFixed(3)} s; asking again (nothing changed, reused) ${reuseSecs.toFixed(3)} s; ` +
    `createDatasetVersion(store) grouping afresh ${ungroupedSecs.toFixed(3)} s`,
)
done('split')

// 5. One epoch of the seed CNN.
rss.mark()
t = performance.now()
let prepSecs = 0
let epochRate = 0
let trainCount = 0
const handle = startTraining(studio, { inputSize, epochs: 1, patience: null }, (e) => {
  if (e.type === 'start') {
    prepSecs = secs(t)
    trainCount = e.trainCount
    console.log(`  training on ${e.trainCount} (val ${e.valCount}), backend ${e.backend} (${e.backendReason})`)
  }
  if (e.type === 'epoch') epochRate = e.imagesPerSec
})
const status = await handle.done
const trainSecs = secs(t)
const run = studio.store.runs.get(handle.runId)!
const r = trainResult(studio, run)
console.log(
  `train: seed CNN ${inputSize}×${inputSize}, 1 epoch on ${trainCount} images at ${epochRate.toFixed(0)} images/s; ` +
    `${status}${run.error ? ` (${run.error})` : ''}, ${trainSecs.toFixed(0)} s in all (${prepSecs.toFixed(0)} s to the first batch: ` +
    `decoding into the pixel cache), test accuracy ${((r.test_accuracy ?? 0) * 100).toFixed(1)} %`,
)
done('train', ' (goal < 1536 MB)')

// 6. Scoring every image with that run: `studio score`, the scoring job's code, in its own process.
rss.mark()
t = performance.now()
const score = JSON.parse(await cli(['score', String(handle.runId), '-p', proj, '--json'])) as {
  scored: number
  problems: unknown[]
  seconds: number
}
const scoreSecs = secs(t)
console.log(
  `score: ${score.scored} images in ${scoreSecs.toFixed(0)} s (${score.seconds.toFixed(0)} s inside the command) = ` +
    `${(score.scored / scoreSecs).toFixed(0)} images/s; ${score.problems.length} not scored`,
)
done('score')

// 7. Page queries: what Browse asks, without and with the predictions lens.
rss.mark()
const pages = pageQueries(studio, handle.runId, (s) => console.log(s))
done('page queries')

// 8. The grid in Chromium: first tile, then the lens on every image's prediction.
let firstTile = NaN
if (browser) {
  rss.mark()
  const b = await browseInChromium(studio, renderer, handle.runId, (s) => console.log(s))
  firstTile = b.firstTileMs
  done('grid + lens in Chromium', `; Chromium's own processes ${b.chromiumMb.toFixed(0)} MB (not in the figure)`)
} else console.log('grid: skipped (--no-browser)')

studio.close()
rss.stop()
const peak = Math.max(...peaks)
if (keep) console.log(`kept ${work}`)
else fs.rmSync(work, { recursive: true, force: true })
console.log(
  `images=${imp.imported} import_per_s=${importRate.toFixed(1)} split_s=${splitSecs.toFixed(3)} ` +
    `page_p95_ms=${pages.p95.toFixed(2)} first_tile_ms=${firstTile.toFixed(0)} peak_rss_mb=${peak.toFixed(0)}`,
)

/** Runs the studio CLI in a child process (sampled with this one) and answers its stdout. */
function cli(args: string[]): Promise<string> {
  return node([path.join(repo, 'bin/studio.mjs'), ...args])
}

/** Runs a Node script (TypeScript through tsx) in a child process and answers its stdout. */
function node(args: string[]): Promise<string> {
  const tsx = args[0]!.endsWith('.ts') ? ['--import', 'tsx'] : []
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...tsx, ...args], {
      cwd: repo,
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.on('error', reject)
    child.on('close', (code) =>
      code === 0
        ? resolve(out)
        : reject(new Error(`${args.slice(0, 2).join(' ')} exited ${code}: ${out.slice(-2000)}`)),
    )
  })
}

function folderBytes(dir: string, name?: RegExp): number {
  let sum = 0
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: !name })) {
    if (!e.isFile() || (name && !name.test(e.name))) continue
    sum += fs.statSync(path.join(e.parentPath, e.name)).size
  }
  return sum
}
