import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeShapes } from '../../../main/cli/demo-shapes'
import { createDatasetVersion } from '../../../main/engine/datasets/versions'
import { Studio } from '../../../main/engine/studio'
import { selectBackend } from '../../../main/engine/training/backend'
import {
  featureRunner,
  localRunner,
  startFeatureRunner,
  type FeatureRunner,
} from '../../../main/engine/training/extract-pool'
import { drawCopy, FEATURE_AUGMENT_OFF } from '../../../main/engine/training/feature-augment'
import { loadBackbone, splitFeatures, type Backbone } from '../../../main/engine/training/transfer'
import { writeTinyMobileNet } from '../../helpers/tiny-mobilenet'
import { tmpDir } from '../../helpers/fixtures'
import { maxDiff, randomPixels } from '../../helpers/pixels'

const root = tmpDir()
const models = path.join(root, 'models')
const size = 32
let backbone: Backbone
let pool: FeatureRunner

const pixels = (n: number, seed: number) => randomPixels(n, size, seed)

beforeAll(async () => {
  await selectBackend('wasm')
  await writeTinyMobileNet(models, 'tiny', size)
  backbone = await loadBackbone(models, 'tiny', { inputSize: size })
  pool = await featureRunner(backbone, { backend: 'wasm', runtime: 'tfjs', workers: 2 })
}, 60_000)

afterAll(async () => {
  await pool?.dispose()
  backbone?.dispose()
})

describe('feature extraction on a pool of threads', () => {
  it('starts one backbone per thread and gives the features of the single-thread path, plain and augmented', async () => {
    expect(pool.threads).toBe(2)
    expect(pool.why).toMatch(/2 threads, one backbone each \(wasm\)/)
    const local = localRunner(backbone)
    const draws = Array.from({ length: 5 }, (_, i) => drawCopy(FEATURE_AUGMENT_OFF, 7, `${i}abcdef0`, 1))
    // Several batches at once, as extraction sends them: each answer belongs to its own batch.
    const batches = [pixels(5, 1), pixels(3, 2), pixels(5, 3), pixels(4, 4)]
    const want = batches.map((b, i) => local.run(b.slice(), b.length / (size * size * 3), i === 2 ? draws : null))
    const got = await Promise.all(
      batches.map((b, i) => pool.run(b, b.length / (size * size * 3), i === 2 ? draws : null)),
    )
    for (let i = 0; i < batches.length; i++) {
      const w = await want[i]!
      expect(w.length).toBe([5, 3, 5, 4][i]! * 16)
      expect(maxDiff(got[i]!, w)).toBeLessThan(1e-4)
    }
    // The batch's pixels were transferred to a thread, not copied.
    expect(batches[0]!.length).toBe(0)
  }, 20_000)

  it('a split extracted through the pool equals the single-thread extraction, in the same order', async () => {
    await writeShapes(path.join(root, 'shapes'), 4)
    const studio = Studio.init(path.join(root, 'proj'))
    try {
      await studio.import(path.join(root, 'shapes'))
      const v = createDatasetVersion(studio.store, { seed: 1, fractions: { train: 1, val: 0, test: 0 } })
      const items = studio.store.datasets.items(v)
      const hashes = new Map(items.map((i) => [i.imageId, i.hash]))
      const spec = { size, fit: 'cover' as const }
      const one = await splitFeatures(studio.project.paths, backbone, items, spec, hashes, () => {}, 3, 7)
      fs.rmSync(path.join(studio.project.paths.cache, 'features'), { recursive: true, force: true })
      const two = await splitFeatures(studio.project.paths, backbone, items, spec, hashes, () => {}, 3, 7, pool)
      expect(two.imageIds).toEqual(one.imageIds)
      expect(one.features.length).toBe(items.length * 16)
      expect(maxDiff(two.features, one.features)).toBeLessThan(1e-4)
    } finally {
      studio.close()
    }
  }, 20_000)

  it('started lazily, it starts no thread until a batch comes (a run whose features are all cached)', async () => {
    const lazy = startFeatureRunner(backbone, { backend: 'wasm', runtime: 'tfjs', workers: 2, eager: false })
    expect([lazy.threads, lazy.why]).toEqual([1, 'no thread: every feature was cached'])
    const f = await lazy.run(pixels(2, 5), 2, 'mirror')
    expect(lazy.threads).toBe(2)
    expect(maxDiff(f, await localRunner(backbone).run(pixels(2, 5), 2, 'mirror'))).toBeLessThan(1e-4)
    await lazy.dispose()
  }, 20_000)

  it('falls back to this thread, saying why, where the threads cannot start; a thread that dies fails its batch', async () => {
    const refusing = path.join(root, 'refusing.mjs')
    fs.writeFileSync(
      refusing,
      `import { parentPort } from 'node:worker_threads'
parentPort.on('message', () => parentPort.postMessage({ type: 'error', message: 'no backend here' }))`,
    )
    const fallback = await featureRunner(backbone, { backend: 'wasm', runtime: 'tfjs', workers: 2, entry: refusing })
    expect(fallback.threads).toBe(1)
    expect(fallback.why).toMatch(/one thread \(2 extraction threads could not start: no backend here\)/)
    const f = await fallback.run(pixels(2, 9), 2, null)
    expect(maxDiff(f, await localRunner(backbone).run(pixels(2, 9), 2, null))).toBe(0)
    expect((await featureRunner(backbone, { backend: 'wasm', runtime: 'tfjs', workers: 1 })).why).toMatch(
      /^one thread \(1 worker/,
    )

    const dying = path.join(root, 'dying.mjs')
    fs.writeFileSync(
      dying,
      `import { parentPort } from 'node:worker_threads'
parentPort.on('message', (m) => { if (m.type === 'init') parentPort.postMessage({ type: 'ready', featureDim: 16 }); else process.exit(3) })`,
    )
    const doomed = await featureRunner(backbone, { backend: 'wasm', runtime: 'tfjs', workers: 2, entry: dying })
    expect(doomed.threads).toBe(2)
    await expect(doomed.run(pixels(2, 1), 2, null)).rejects.toThrow(/extraction thread exited \(code 3\)/)
    await expect(doomed.run(pixels(2, 1), 2, null)).rejects.toThrow(/exited/)
    await doomed.dispose()
  }, 20_000)

  it('stopped with batches on its threads and in its queue, every batch fails at once (none left waiting)', async () => {
    const silent = path.join(root, 'silent.mjs')
    fs.writeFileSync(
      silent,
      `import { parentPort } from 'node:worker_threads'
parentPort.on('message', (m) => { if (m.type === 'init') parentPort.postMessage({ type: 'ready', featureDim: 16 }) })`,
    )
    const stuck = await featureRunner(backbone, { backend: 'wasm', runtime: 'tfjs', workers: 2, entry: silent })
    expect(stuck.threads).toBe(2)
    // Two batches on the threads (which never answer), one in the queue.
    const outcomes = [1, 2, 3].map((i) =>
      stuck.run(pixels(2, i), 2, null).then(
        () => 'answered',
        (e: Error) => e.message,
      ),
    )
    await stuck.dispose()
    const never = new Promise((resolve) => setTimeout(() => resolve('still waiting'), 2000))
    for (const o of outcomes) expect(await Promise.race([o, never])).toMatch(/stopped/)
  }, 20_000)
})
