import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { createDatasetVersion } from '../../../main/engine/datasets/versions'
import { Studio } from '../../../main/engine/studio'
import { tmpDir } from '../../helpers/fixtures'
import { insertSyntheticImages } from '../../helpers/synthetic'

/**
 * The edges of the image queries, where an off-by-one hides: the last page, the largest page, a
 * confidence exactly on a bound, a hash prefix that names two images.
 */

let studio: Studio
let runId: number
/** image id → stored confidence of the run's prediction. */
const confidence = new Map<number, number>()

beforeAll(() => {
  studio = Studio.init(path.join(tmpDir(), 'p'))
  insertSyntheticImages(studio, 30)
  const version = createDatasetVersion(studio.store, { seed: 3 })
  const v = studio.store.datasets.version(version)!
  runId = studio.store.runs.create({
    datasetVersion: version,
    preset: 'seed-cnn',
    config: '{}',
    createdAt: 'now',
    pid: 1,
  })
  // Confidences that sit exactly on the bounds the test asks for: 0.25, 0.5, 0.75, 1.
  const items = studio.store.datasets.items(version)
  studio.store.runs.replacePredictions(
    runId,
    items.map((it, i) => {
      const c = [0.25, 0.5, 0.75, 1][i % 4]!
      confidence.set(it.imageId, c)
      const probs = new Float32Array(v.classes.length)
      probs[it.classIndex] = c
      return { imageId: it.imageId, trueIndex: it.classIndex, predIndex: it.classIndex, confidence: c, probs }
    }),
  )
})

const ids = (f: { minConfidence?: number; maxConfidence?: number }) =>
  studio.store.images.page({ limit: 1000, runId, ...f }).items.map((i) => i.id)
const want = (keep: (c: number) => boolean) =>
  [...confidence]
    .filter(([, c]) => keep(c))
    .map(([id]) => id)
    .sort((a, b) => a - b)

describe('image query edges', () => {
  it('confidence bounds are inclusive', () => {
    expect(ids({ minConfidence: 0.5 })).toEqual(want((c) => c >= 0.5))
    expect(ids({ maxConfidence: 0.5 })).toEqual(want((c) => c <= 0.5))
    expect(ids({ minConfidence: 0.5, maxConfidence: 0.5 })).toEqual(want((c) => c === 0.5))
    expect(ids({ minConfidence: 0.5, maxConfidence: 0.5 }).length).toBeGreaterThan(0)
    expect(studio.store.images.count({ runId, minConfidence: 1 })).toBe(want((c) => c === 1).length)
  })

  it('the last page has no cursor, also when it is exactly full', () => {
    const total = studio.store.images.total()
    expect(studio.store.images.page({ limit: total }).nextCursor).toBeNull()
    expect(studio.store.images.page({ limit: total - 1 }).nextCursor).not.toBeNull()
    // Pages of 10 over 30 images: the third is full and last.
    let cursor: string | null | undefined
    const seen: number[] = []
    const cursors: (string | null)[] = []
    for (let i = 0; i < 3; i++) {
      const page = studio.store.images.page({ limit: 10, ...(cursor ? { cursor } : {}) })
      seen.push(...page.items.map((it) => it.id))
      cursors.push(page.nextCursor)
      cursor = page.nextCursor
    }
    expect(seen).toHaveLength(30)
    expect(new Set(seen).size).toBe(30)
    expect(cursors.map((c) => c === null)).toEqual([false, false, true])
  })

  it('a page holds at most 1000 rows', () => {
    expect(() => studio.store.images.page({ limit: 1000 })).not.toThrow()
    expect(() => studio.store.images.page({ limit: 1001 })).toThrow(/limit must be 1–1000/)
    expect(() => studio.store.images.page({ limit: 0 })).toThrow(/limit must be 1–1000/)
  })

  it('a hash prefix resolves only when one image has it', () => {
    // Two images whose hashes share their first 63 digits (a reference of digits only is an image
    // id, so these start with letters).
    const at = new Date().toISOString()
    const [a, b] = ['1', '2'].map((last) =>
      studio.store.images.insert({
        hash: `abcdef${'0'.repeat(57)}${last}`,
        originalName: `twin-${last}.jpg`,
        relPath: `twin-${last}.jpg`,
        ext: '.jpg',
        format: 'jpeg',
        width: 8,
        height: 8,
        bytes: 100,
        origin: 'twins',
        batchId: null,
        importedAt: at,
      }),
    )
    const resolve = (ref: string) => studio.store.images.resolve(ref)?.id
    expect(resolve('abcdef')).toBeUndefined()
    expect(resolve(`abcdef${'0'.repeat(57)}`)).toBeUndefined()
    expect(resolve(`abcdef${'0'.repeat(57)}1`)).toBe(a)
    expect(resolve(`ABCDEF${'0'.repeat(57)}2`)).toBe(b)
    // A path is the last resort.
    expect(resolve('twin-2.jpg')).toBe(b)
  })

  it('origin null keeps the images imported without an origin', () => {
    const at = new Date().toISOString()
    const fresh = [0, 1].map((i) =>
      studio.store.images.insert({
        hash: `f${i}`.padEnd(64, 'e'),
        originalName: `loose-${i}.jpg`,
        relPath: `loose-${i}.jpg`,
        ext: '.jpg',
        format: 'jpeg',
        width: 8,
        height: 8,
        bytes: 100,
        origin: null,
        batchId: null,
        importedAt: at,
      }),
    )
    expect(studio.store.images.page({ origin: null }).items.map((i) => i.id)).toEqual(fresh)
    expect(studio.store.images.count({ origin: null })).toBe(2)
    expect(studio.store.images.count({ origin: 'train' })).toBe(15)
  })

  it("a deleted class's images are never frozen into a version", () => {
    // The label service unlabels a class's images before deleting it; the query does not count on that.
    const at = new Date().toISOString()
    const gone = studio.store.labels.insertClass('gone', '#000000', at)
    const img = studio.store.images.page({ limit: 1 }).items[0]!
    studio.store.labels.setLabel(img.id, gone, at)
    expect(studio.store.datasets.labeledImages().some((i) => i.imageId === img.id)).toBe(true)
    studio.store.labels.setClassDeleted(gone, at)
    expect(studio.store.datasets.labeledImages().some((i) => i.imageId === img.id)).toBe(false)
  })
})
