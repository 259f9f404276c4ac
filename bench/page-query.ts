/**
 * bench/page-query: browsing-query latency on a project of 100,000 images (synthetic rows).
 * Walks consecutive pages of 100 for each filter/sort a user can pick and prints p50/p95 per shape.
 *
 *   npm run bench:pages [-- --images 100000]
 *
 * Last line: page_p95_ms=<p95 over every query of every shape>.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { PageRequest } from '../main/engine/store'
import { Studio } from '../main/engine/studio'
import { insertSyntheticImages } from '../tests/helpers/synthetic'

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
studio.close()
fs.rmSync(dir, { recursive: true, force: true })
console.log(`page_p95_ms=${pct(every, 0.95).toFixed(2)}`)
