import { describe, expect, it } from 'vitest'
import { planSplit, type SplitPlan } from '../../../main/engine/datasets/split'
import type { LabeledImage } from '../../../main/engine/store'

const names = new Map([
  [1, 'a'],
  [2, 'b'],
  [3, 'c'],
])
function images(counts: Record<number, number>, origin: (i: number) => string | null = () => null): LabeledImage[] {
  const out: LabeledImage[] = []
  let id = 1
  for (const [cls, n] of Object.entries(counts)) {
    for (let i = 0; i < n; i++) out.push({ imageId: id++, classId: Number(cls), origin: origin(id) })
  }
  return out
}
/** [train, val, test] counts of one class of a plan. */
const counts = (plan: SplitPlan, cls: number) =>
  (['train', 'val', 'test'] as const).map((s) => plan.items.filter((i) => i.classIndex === cls && i.split === s).length)

describe('stratified splits', () => {
  it('are deterministic for a seed and differ across seeds', () => {
    const imgs = images({ 1: 50, 2: 30 })
    const a = planSplit(imgs, names, { seed: 1 })
    expect(planSplit([...imgs].reverse(), names, { seed: 1 })).toEqual(a)
    expect(planSplit(imgs, names, { seed: 2 }).items).not.toEqual(a.items)
  })

  it('cut every class by the fractions', () => {
    const plan = planSplit(images({ 1: 100, 2: 40, 3: 7 }), names, { fractions: { train: 0.7, val: 0.2, test: 0.1 } })
    expect(counts(plan, 0)).toEqual([70, 20, 10])
    expect(counts(plan, 1)).toEqual([28, 8, 4])
    // Small classes still get one image in each split.
    expect(counts(plan, 2)).toEqual([5, 1, 1])
    expect(plan.classes.map((c) => c.name)).toEqual(['a', 'b', 'c'])
  })

  it('by default cut 70/15/15, val and test rounded to the nearest image', () => {
    // 24 · 0.15 = 3.6 → 4 (3 if truncated); 20 · 0.15 = 3 exactly.
    const plan = planSplit(images({ 1: 24, 2: 20 }), names)
    expect(counts(plan, 0)).toEqual([16, 4, 4])
    expect(counts(plan, 1)).toEqual([14, 3, 3])
  })

  it('give a small class at least one image in every split, train included', () => {
    // 3 · 0.15 rounds to 0: val and test are raised to 1 each.
    expect(counts(planSplit(images({ 1: 3, 2: 20 }), names), 0)).toEqual([1, 1, 1])
    // 4 · 0.4 rounds to 2 for val and test, leaving train nothing: val gives one back.
    const plan = planSplit(images({ 1: 4, 2: 20 }), names, { fractions: { train: 0.2, val: 0.4, test: 0.4 } })
    expect(counts(plan, 0)).toEqual([1, 1, 2])
  })

  it('keeps import origins as splits when asked', () => {
    const plan = planSplit(
      images({ 1: 10, 2: 10 }, (id) => (id % 2 ? 'data/train' : 'data/val')),
      names,
      {
        useOriginSplits: true,
      },
    )
    expect(plan.items.filter((i) => i.split === 'test')).toEqual([])
    expect(plan.items.filter((i) => i.split === 'val').every((i) => i.imageId % 2 === 1)).toBe(true)
  })

  it('gives clear errors: nothing labeled, one class, a class too small, bad fractions', () => {
    expect(() => planSplit([], names)).toThrow(/no labeled images/)
    expect(() => planSplit(images({ 1: 10 }), names)).toThrow(/at least 2 classes.*found 1: "a"/)
    expect(() => planSplit(images({ 1: 10, 2: 1 }), names)).toThrow(
      /class "b" has 1 labeled image; the 70\/15\/15 split needs at least 3/,
    )
    const fractions = { train: 0.5, val: 0.2, test: 0.2 }
    expect(() => planSplit(images({ 1: 10, 2: 10 }), names, { fractions })).toThrow(/add up to 1/)
  })

  it('split 100,000 images in linear time', () => {
    // Two interleaved classes of 50,000. Grouping them by copying a class's array per image took
    // 25–50 s; the plan now takes 0.1–0.9 s (the latter on 2 cores running 15 processes), so the
    // bound is generous and still catches anything quadratic.
    const imgs = Array.from({ length: 100_000 }, (_, i) => ({ imageId: i + 1, classId: (i % 2) + 1, origin: null }))
    const start = performance.now()
    const plan = planSplit(imgs, names)
    expect(performance.now() - start).toBeLessThan(5000)
    // Every image once, in id order; each class cut 70/15/15.
    expect(plan.items.length).toBe(100_000)
    expect(plan.items.every((item, k) => item.imageId === k + 1 && item.classIndex === k % 2)).toBe(true)
    const tally = new Map<string, number>()
    for (const { classIndex, split } of plan.items) {
      const key = `${classIndex} ${split}`
      tally.set(key, (tally.get(key) ?? 0) + 1)
    }
    expect(Object.fromEntries(tally)).toEqual({
      '0 train': 35_000,
      '0 val': 7_500,
      '0 test': 7_500,
      '1 train': 35_000,
      '1 val': 7_500,
      '1 test': 7_500,
    })
  })
})
