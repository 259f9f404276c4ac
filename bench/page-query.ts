/**
 * bench/page-query: browsing-query latency on a project of 100,000 images (synthetic rows).
 * Walks consecutive pages of 100 for each filter/sort a user can pick and prints p50/p95 per shape;
 * then gives the project a run that scored every image (and predicted its test split), and walks
 * bench:scale's shapes (bench/lib/scale-pages.ts: the same plain shapes, the predictions lens, jumps
 * by position), timing each shape's count as well.
 *
 *   npm run bench:pages [-- --images 100000]
 *
 * Last line: page_p95_ms=<p95 over the first shapes' pages> scale_p95_ms=<over bench:scale's shapes>
 * lens_p95_ms=<their lens pages alone> scale_cpu_p95_ms=<CPU time per page> count_max_ms=<the slowest count>.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createDatasetVersion } from '../main/engine/datasets/versions'
import { rng } from '../main/engine/random'
import type { PageRequest } from '../main/engine/store'
import { Studio } from '../main/engine/studio'
import { insertSyntheticImages } from '../tests/helpers/synthetic'
import { pageQueries } from './lib/scale-pages'

const n = Number(process.argv[process.argv.indexOf('--images') + 1] || 100_000) || 100_000
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'studio-pages-'))
const studio = Studio.init(dir)
console.log(
  `resources: one Node process, one SQLite connection, one thread (better-sqlite3 is synchronous); ${os.availableParallelism()} cores`,
)
let t = performance.now()
insertSyntheticImages(studio, n)
console.log(`inserted ${n} synthetic images in ${((performance.now() - t) / 1000).toFixed(1)} s`)

const ant = studio.labels.findClass('ant').id
const shapes: [string, PageRequest][] = [
  ['all, by import order', {}],
  ['all, by name', { sort: 'name' }],
  ['all, by size desc', { sort: 'size', order: 'desc' }],
  ['class ant', { classIds: [ant] }],
  ['class ant, by name', { classIds: [ant], sort: 'name' }],
  ['unlabeled', { unlabeled: true }],
  ['origin train, by name', { origin: 'train', sort: 'name' }],
  ['class ant + origin val', { classIds: [ant], origin: 'val' }],
  ['search "photo_01"', { search: 'photo_01' }],
]
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!
const every: number[] = []
for (const [name, req] of shapes) {
  const times: number[] = []
  let cursor: string | null = null
  for (let i = 0; i < 200; i++) {
    t = performance.now()
    const page = studio.store.images.page({ ...req, limit: 100, cursor })
    times.push(performance.now() - t)
    cursor = page.nextCursor
    if (!cursor) cursor = null
  }
  t = performance.now()
  const total = studio.store.images.count(req)
  const countMs = performance.now() - t
  every.push(...times)
  console.log(
    `${name.padEnd(26)} p50 ${pct(times, 0.5).toFixed(2)} ms  p95 ${pct(times, 0.95).toFixed(2)} ms  (count ${total} in ${countMs.toFixed(1)} ms)`,
  )
}

// A run that scored every image: 3 classes, right for about 80 %, confidence spread over 0.34–1.
t = performance.now()
const versionId = createDatasetVersion(studio.store, { seed: 7 }, [])
const classes = studio.store.datasets.version(versionId)!.classes
const runId = studio.store.runs.create({
  datasetVersion: versionId,
  preset: 'seed-cnn',
  config: '{}',
  createdAt: 'now',
  pid: 1,
})
const random = rng(11)
const classIndex = new Map(classes.map((c, k) => [c.id, k]))
studio.store.tx(() => {
  const rows = []
  for (const img of studio.store.db.prepare('SELECT id, class_id AS classId FROM images').iterate() as Iterable<{
    id: number
    classId: number | null
  }>) {
    const truth = img.classId === null ? Math.floor(random() * 3) : classIndex.get(img.classId)!
    const predIndex = random() < 0.8 ? truth : (truth + 1 + Math.floor(random() * 2)) % 3
    const confidence = 0.34 + random() * 0.66
    const probs = Float32Array.from([0, 1, 2], (k) => (k === predIndex ? confidence : (1 - confidence) / 2))
    rows.push({
      imageId: img.id,
      predIndex,
      confidence,
      margin: confidence - (1 - confidence) / 2,
      entropy: 0.5,
      probs,
    })
  }
  studio.store.quality.insertScores(runId, rows)
  const test = studio.store.datasets.items(versionId, 'test')
  studio.store.runs.replacePredictions(
    runId,
    test.map((it) => {
      const predIndex = random() < 0.8 ? it.classIndex : (it.classIndex + 1) % 3
      const probs = Float32Array.from([0, 1, 2], (k) => (k === predIndex ? 0.7 : 0.15))
      return { imageId: it.imageId, trueIndex: it.classIndex, predIndex, confidence: 0.7, probs }
    }),
  )
})
studio.store.runs.finish(runId, 'done', 'now')
console.log(`a run with ${n} scores in ${((performance.now() - t) / 1000).toFixed(1)} s; bench:scale's shapes:`)
const counts: number[] = []
const scale = pageQueries(studio, runId, (s) => {
  console.log(s)
  const m = /count \d+ in ([\d.]+) ms/.exec(s)
  if (m) counts.push(Number(m[1]))
})
studio.close()
fs.rmSync(dir, { recursive: true, force: true })
console.log(
  `page_p95_ms=${pct(every, 0.95).toFixed(2)} scale_p95_ms=${scale.p95.toFixed(2)} lens_p95_ms=${scale.lensP95.toFixed(2)} ` +
    `scale_cpu_p95_ms=${scale.cpuP95.toFixed(2)} ` +
    `count_max_ms=${Math.max(...counts).toFixed(1)}`,
)
