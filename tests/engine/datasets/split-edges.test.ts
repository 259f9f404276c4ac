import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { checkFractions, originSplit, planSplit } from '../../../main/engine/datasets/split'
import { createDatasetVersion } from '../../../main/engine/datasets/versions'
import type { LabeledImage } from '../../../main/engine/store'
import { Studio } from '../../../main/engine/studio'
import { tmpDir } from '../../helpers/fixtures'
import { insertSyntheticImages } from '../../helpers/synthetic'

/** Edges of the split and of version reuse that the main split tests do not reach. */

const names = new Map([
  [1, 'a'],
  [2, 'b'],
])
/** `n` images of each class, ids interleaved (a1 b1 a2 b2 …). */
const interleaved = (n: number): LabeledImage[] =>
  Array.from({ length: 2 * n }, (_, i) => ({ imageId: i + 1, classId: (i % 2) + 1, origin: null }))

describe('split edges', () => {
  it('each class is shuffled with its own seed: the k-th image of every class does not share one fate', () => {
    const plan = planSplit(interleaved(40), names)
    // The rank of each test image within its class (ids of a class are consecutive odd or even numbers).
    const ranks = (cls: number) =>
      plan.items.filter((i) => i.classIndex === cls && i.split === 'test').map((i) => Math.floor((i.imageId - 1) / 2))
    expect(ranks(0)).toHaveLength(6)
    expect(ranks(1)).toHaveLength(6)
    expect(ranks(0)).not.toEqual(ranks(1))
  })

  it('fractions must add up to 1 within rounding, not roughly', () => {
    expect(() => checkFractions({ train: 0.7, val: 0.15, test: 0.1 })).toThrow(/add up to 1/)
    expect(() => checkFractions({ train: 0.7, val: 0.15, test: 0.16 })).toThrow(/add up to 1/)
    expect(() => checkFractions({ train: 0.7, val: 0.2, test: 0.1 })).not.toThrow()
  })

  it('a class of 2 images is too small for three splits; 3 is enough', () => {
    const imgs = (nB: number): LabeledImage[] => [
      ...Array.from({ length: 10 }, (_, i) => ({ imageId: i + 1, classId: 1, origin: null })),
      ...Array.from({ length: nB }, (_, i) => ({ imageId: 100 + i, classId: 2, origin: null })),
    ]
    expect(() => planSplit(imgs(2), names)).toThrow(
      /class "b" has 2 labeled images; the 70\/15\/15 split needs at least 3/,
    )
    expect(() => planSplit(imgs(3), names)).not.toThrow()
  })

  it.each([
    ['data/train', 'train'],
    ['data/Training', 'train'],
    ['data/val', 'val'],
    ['data/valid', 'val'],
    ['data/validation', 'val'],
    ['data/test', 'test'],
    ['data/testing', 'test'],
    ['data/train/extra', null],
    ['val-old', null],
    [null, null],
  ])('origin %s keeps split %s', (origin, split) => {
    expect(originSplit(origin)).toBe(split)
  })
})

describe('version reuse edges', () => {
  const root = tmpDir()

  it('a seed that happens to give the same rows still makes a version with that seed', () => {
    // Every synthetic image sits in a train/ or val/ folder: with origin splits the seed changes nothing.
    const studio = Studio.init(path.join(root, 'seed'))
    insertSyntheticImages(studio, 60)
    const a = createDatasetVersion(studio.store, { seed: 1, useOriginSplits: true })
    const b = createDatasetVersion(studio.store, { seed: 2, useOriginSplits: true })
    expect(studio.store.datasets.frozenRows(b)).toEqual(studio.store.datasets.frozenRows(a))
    expect(b).not.toBe(a)
    expect(studio.store.datasets.version(b)!.seed).toBe(2)
    studio.close()
  })

  it('the same labels split differently (a new near-duplicate group) make a new version', () => {
    const studio = Studio.init(path.join(root, 'groups'))
    insertSyntheticImages(studio, 60)
    const first = createDatasetVersion(studio.store, { seed: 4 }, [])
    const rows = studio.store.datasets.frozenRows(first)
    // A test image grouped with a train image of its class: the pair now lands in one split.
    const test = rows.find((r) => r.split === 'test')!
    const train = rows.find((r) => r.split === 'train' && r.classIndex === test.classIndex)!
    const second = createDatasetVersion(studio.store, { seed: 4 }, [[test.imageId, train.imageId]])
    const after = studio.store.datasets.frozenRows(second)
    expect(after.map((r) => [r.imageId, r.classIndex])).toEqual(rows.map((r) => [r.imageId, r.classIndex]))
    expect(after.map((r) => r.split)).not.toEqual(rows.map((r) => r.split))
    expect(second).not.toBe(first)
    // The same grouping again: nothing changed, the version is reused.
    expect(createDatasetVersion(studio.store, { seed: 4 }, [[test.imageId, train.imageId]])).toBe(second)
    studio.close()
  })
})
