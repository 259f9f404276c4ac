import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { planSplit } from '../../main/engine/datasets/split'
import { createDatasetVersion } from '../../main/engine/datasets/versions'
import type { LabeledImage } from '../../main/engine/store'
import { Studio } from '../../main/engine/studio'
import { tmpDir } from '../helpers/fixtures'
import { insertSyntheticImages } from '../helpers/synthetic'

const names = new Map([[1, 'a'], [2, 'b'], [3, 'c']])
function images(counts: Record<number, number>, origin: (i: number) => string | null = () => null): LabeledImage[] {
  const out: LabeledImage[] = []
  let id = 1
  for (const [cls, n] of Object.entries(counts)) for (let i = 0; i < n; i++) out.push({ imageId: id++, classId: Number(cls), origin: origin(id) })
  return out
}

describe('stratified splits', () => {
  it('are deterministic for a seed and differ across seeds', () => {
    const imgs = images({ 1: 50, 2: 30 })
    const a = planSplit(imgs, names, { seed: 1 })
    expect(planSplit([...imgs].reverse(), names, { seed: 1 })).toEqual(a)
    expect(planSplit(imgs, names, { seed: 2 }).items).not.toEqual(a.items)
  })

  it('cut every class by the fractions', () => {
    const plan = planSplit(images({ 1: 100, 2: 40, 3: 7 }), names, { fractions: { train: 0.7, val: 0.2, test: 0.1 } })
    const count = (cls: number, split: string) => plan.items.filter((i) => i.classIndex === cls && i.split === split).length
    expect([count(0, 'train'), count(0, 'val'), count(0, 'test')]).toEqual([70, 20, 10])
    expect([count(1, 'train'), count(1, 'val'), count(1, 'test')]).toEqual([28, 8, 4])
    // Small classes still get one image in each split.
    expect([count(2, 'train'), count(2, 'val'), count(2, 'test')]).toEqual([5, 1, 1])
    expect(plan.classes.map((c) => c.name)).toEqual(['a', 'b', 'c'])
  })

  it('keeps import origins as splits when asked', () => {
    const plan = planSplit(images({ 1: 10, 2: 10 }, (id) => (id % 2 ? 'data/train' : 'data/val')), names, { useOriginSplits: true })
    expect(plan.items.filter((i) => i.split === 'test')).toEqual([])
    expect(plan.items.filter((i) => i.split === 'val').every((i) => i.imageId % 2 === 1)).toBe(true)
  })

  it('gives clear errors: nothing labeled, one class, a class too small, bad fractions', () => {
    expect(() => planSplit([], names)).toThrow(/no labeled images/)
    expect(() => planSplit(images({ 1: 10 }), names)).toThrow(/at least 2 classes.*found 1: "a"/)
    expect(() => planSplit(images({ 1: 10, 2: 1 }), names)).toThrow(/class "b" has 1 labeled image\(s\); the 70\/15\/15 split needs at least 3/)
    expect(() => planSplit(images({ 1: 10, 2: 10 }), names, { fractions: { train: 0.5, val: 0.2, test: 0.2 } })).toThrow(/add up to 1/)
  })

  it('a dataset version is a frozen snapshot: later labeling does not change it', () => {
    const studio = Studio.init(path.join(tmpDir(), 'p'))
    insertSyntheticImages(studio, 300)
    const v = createDatasetVersion(studio.store, { seed: 7 })
    const before = studio.store.datasets.items(v)
    studio.labels.setLabels(before.slice(0, 20).map((i) => i.imageId), 'wasp')
    expect(studio.store.datasets.items(v)).toEqual(before)
    expect(studio.store.datasets.version(v)!.classes.map((c) => c.name)).toEqual(['ant', 'bee', 'wasp'])
    studio.close()
  })
})
