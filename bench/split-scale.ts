/**
 * bench/split-scale: the dataset version at 100,000 images without writing 100,000 files. Synthetic
 * rows (bench:pages's generator: two thirds labeled in 3 classes) get random 64-bit perceptual hashes,
 * 8 % of them near-copies of another (a few bits flipped), so the near-duplicate grouping has real
 * work — or, with `--hashes fashion`, the first 70 % get the signals (pHash, tone) that the import
 * measures on Fashion-MNIST's 28×28 images (the IDX files; what bench:scale imports), whose hashes
 * crowd together: most images have close neighbours and 60 % end in one chain —; then the health report fills its cache and a version is frozen as training freezes it
 * (`splitGroupsOf`), with each part timed, the "nothing changed" check, and a grouping afresh.
 * One Node process, one SQLite connection, one thread.
 *
 *   npx tsx bench/split-scale.ts [--images 100000] [--hashes random|fashion]
 *
 * Each part is timed in wall and CPU seconds (the CPU figure moves less with the VM's load).
 * Last line: images=<n> labeled=<n> hashes=<kind> split_s=<the version as training freezes it> split_cpu_s=<its CPU>
 * afresh_s=<createDatasetVersion(store), grouping afresh> afresh_cpu_s=<its CPU>.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { planSplit } from '../main/engine/datasets/split'
import { createDatasetVersion, splitGroupsOf } from '../main/engine/datasets/versions'
import { NEAR_DUP_BITS, nearDuplicateGroups } from '../main/engine/health/near-dups'
import { healthReport } from '../main/engine/health/report'
import { measure } from '../main/engine/health/signals'
import { rng } from '../main/engine/random'
import { Studio } from '../main/engine/studio'
import { insertSyntheticImages } from '../tests/helpers/synthetic'
import { loadFashion } from './lib/fashion'
import { RssSampler } from './lib/rss'

const arg = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined)
const n = Number(arg('--images') ?? 100_000) || 100_000
const kind = arg('--hashes') ?? 'random'
if (kind !== 'random' && kind !== 'fashion') throw new Error(`--hashes must be random or fashion (got ${kind})`)
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'studio-split-'))
const rss = new RssSampler().start()
const studio = Studio.init(dir)
console.log(`resources: one Node process, one SQLite connection, one thread; ${os.availableParallelism()} cores`)
let t = performance.now()
const secs = () => (performance.now() - t) / 1000
insertSyntheticImages(studio, n)
const random = rng(7)
const hex = () => Math.floor(random() * 2 ** 32)
const hashes: [number, number][] = []
const fashion = kind === 'fashion' ? loadFashion() : null
const nFashion = fashion ? Math.min(70_000, Math.round(n * 0.7)) : 0
studio.store.tx(() => {
  for (let id = 1; id <= nFashion; id++) {
    const split = id <= 60_000 ? fashion!.train : fashion!.test
    const k = id <= 60_000 ? id - 1 : id - 60_001
    const sig = measure({ data: split.pixels.subarray(k * 784, (k + 1) * 784), width: 28, height: 28, channels: 1 })
    studio.store.health.setSignals(id, sig)
  }
  for (let id = nFashion + 1; id <= n; id++) {
    let h: [number, number] = [hex(), hex()]
    if (hashes.length && random() < 0.08) {
      const [hi, lo] = hashes[Math.floor(random() * hashes.length)]!
      h = [hi ^ (1 << Math.floor(random() * 32)), lo ^ (1 << Math.floor(random() * 32))]
    }
    hashes.push(h)
    const phash = (h[0] >>> 0).toString(16).padStart(8, '0') + (h[1] >>> 0).toString(16).padStart(8, '0')
    studio.store.health.setSignals(id, { phash, brightness: 0.5, colourfulness: 0.2, sharpness: 0.3 })
  }
})
console.log(`${n} synthetic rows with signals (${nFashion} from Fashion-MNIST) in ${secs().toFixed(1)} s`)

t = performance.now()
await healthReport(studio, {}, null)
console.log(`health report (fills the groups' cache): ${secs().toFixed(2)} s`)

/** Wall and CPU seconds of `fn` (CPU: this process's user + system time, which a loaded VM inflates less). */
function timed<T>(fn: () => T): { value: T; wall: number; cpu: number } {
  const t0 = performance.now()
  const c0 = process.cpuUsage()
  const value = fn()
  const c = process.cpuUsage(c0)
  return { value, wall: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6 }
}
const fmt = (x: { wall: number; cpu: number }) => `${x.wall.toFixed(3)} s (CPU ${x.cpu.toFixed(3)})`
const names = () => new Map(studio.labels.classes().map((c) => [c.id, c.name]))
const split = timed(() => createDatasetVersion(studio.store, {}, splitGroupsOf(studio)))
const versionId = split.value
const groupsRead = timed(() => splitGroupsOf(studio))
const groups = groupsRead.value
const read = timed(() => studio.store.datasets.labeledImages())
const labeled = read.value
const plan = timed(() => planSplit(labeled, names(), {}, groups))
const reuse = timed(() => createDatasetVersion(studio.store, {}, splitGroupsOf(studio)))
const afresh = timed(() => createDatasetVersion(studio.store, {}))
const hashRead = timed(() => studio.store.health.hashes())
const { ids, hashes: phashes, tone } = hashRead.value
const grouping = timed(() => nearDuplicateGroups(ids, phashes, NEAR_DUP_BITS, tone))
const v = studio.store.datasets.versions().find((x) => x.id === versionId)!
console.log(
  `dataset version ${versionId}: train ${v.train}, val ${v.val}, test ${v.test} of ${labeled.length} labeled in ` +
    `${fmt(split)} (goal < 1 s); parts: groups ${fmt(groupsRead)} (${groups.length}, cached), ` +
    `labeled rows read ${fmt(read)}, plan ${fmt(plan)}; asking again (nothing changed, reused) ${fmt(reuse)}; ` +
    `grouping afresh (createDatasetVersion(store)) ${fmt(afresh)} ` +
    `(hashes read ${fmt(hashRead)}, grouping ${fmt(grouping)}: ${grouping.value.length} groups)`,
)
console.log(`peak RSS ${rss.peakMb.toFixed(0)} MB`)
rss.stop()
studio.close()
fs.rmSync(dir, { recursive: true, force: true })
console.log(
  `images=${n} labeled=${labeled.length} hashes=${kind} split_s=${split.wall.toFixed(3)} split_cpu_s=${split.cpu.toFixed(3)} ` +
    `afresh_s=${afresh.wall.toFixed(3)} afresh_cpu_s=${afresh.cpu.toFixed(3)}`,
)
