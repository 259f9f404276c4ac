import { describe, expect, it } from 'vitest'
import { groupByValue, groupMetrics, sliceMetrics, wilson, type SliceRow } from '../../../main/engine/evaluation/slices'

// Hand-made probability tables: each row's argmax and confidence are chosen so every number below
// can be worked out on paper.
const row = (value: string, truth: number, probs: number[]): SliceRow => ({ value, truth, probs })

describe('wilson', () => {
  it('matches the textbook values', () => {
    // 8 of 10: centre (0.8 + 1.92/10) / 1.384; the published interval is [0.490, 0.943].
    const [lo, hi] = wilson(8, 10)
    expect(lo).toBeCloseTo(0.4902, 3)
    expect(hi).toBeCloseTo(0.9433, 3)
    // All right still leaves room below; none right leaves room above.
    expect(wilson(1, 1)[0]).toBeCloseTo(0.2065, 3)
    expect(wilson(1, 1)[1]).toBe(1)
    expect(wilson(0, 5)[0]).toBe(0)
    expect(wilson(0, 5)[1]).toBeCloseTo(0.4345, 3)
    expect(wilson(0, 0)).toEqual([0, 1])
  })
})

describe('groupMetrics', () => {
  it('accuracy, macro recall over present classes, macro F1 over present or predicted classes, ECE', () => {
    // Truth A A A B; predicted A A B B (confidences .9 .7 .6 .8).
    const rows = [
      row('x', 0, [0.9, 0.1, 0]),
      row('x', 0, [0.7, 0.3, 0]),
      row('x', 0, [0.4, 0.6, 0]),
      row('x', 1, [0.2, 0.8, 0]),
    ]
    const m = groupMetrics(rows, 3)
    expect(m.support).toBe(4)
    expect(m.accuracy).toBe(0.75)
    // Recall A = 2/3, B = 1; class C is absent and not predicted: left out of both averages.
    expect(m.macroRecall).toBeCloseTo((2 / 3 + 1) / 2, 10)
    // F1 A: p 1, r 2/3 → 0.8; F1 B: p 1/2, r 1 → 2/3.
    expect(m.macroF1).toBeCloseTo((0.8 + 2 / 3) / 2, 10)
    // Bins: .9 (right) |.9−1|=.1; .7 (right) .3; .6 (wrong) .6; .8 (right) .2 → mean .3.
    expect(m.ece).toBeCloseTo(0.3, 6)
    expect(m.accuracyCi).toEqual(wilson(3, 4))
  })

  it('a class predicted but absent counts in F1 (as 0), not in recall', () => {
    const m = groupMetrics([row('x', 0, [0.4, 0.6]), row('x', 0, [0.8, 0.2])], 2)
    expect(m.macroRecall).toBe(0.5)
    // F1 A: p 1, r .5 → 2/3; F1 B: 0.
    expect(m.macroF1).toBeCloseTo(1 / 3, 10)
  })
})

describe('sliceMetrics', () => {
  // north: 4 images, 3 right; south: 2 images, 0 right; east: one image, right.
  const rows = [
    row('north', 0, [0.9, 0.1]),
    row('north', 0, [0.8, 0.2]),
    row('north', 1, [0.3, 0.7]),
    row('north', 1, [0.6, 0.4]),
    row('south', 0, [0.4, 0.6]),
    row('south', 1, [0.9, 0.1]),
    row('east', 1, [0.1, 0.9]),
  ]

  it('per value: support, accuracy, gap to the overall accuracy, worst first; a one-image slice works', () => {
    const r = sliceMetrics(rows, 2)
    expect(r.overall.support).toBe(7)
    expect(r.overall.accuracy).toBeCloseTo(4 / 7, 10)
    expect(r.slices.map((s) => [s.value, s.support, s.accuracy])).toEqual([
      ['south', 2, 0],
      ['north', 4, 0.75],
      ['east', 1, 1],
    ])
    expect(r.slices[0]!.gap).toBeCloseTo(-4 / 7, 10)
    expect(r.slices[2]!.gap).toBeCloseTo(3 / 7, 10)
    const east = r.slices[2]!
    expect(east).toMatchObject({ macroRecall: 1, macroF1: 1, small: true })
    expect(east.ece).toBeCloseTo(0.1, 6)
    expect(east.accuracyCi).toEqual(wilson(1, 1))
    expect(r.slices.every((s) => s.small)).toBe(true)
    expect(r.equalOpportunity).toBeUndefined()
  })

  it('a slice is small below 30 images or with an interval wider than 0.2', () => {
    const many = (value: string, n: number, right: number) =>
      Array.from({ length: n }, (_, i) => row(value, 0, i < right ? [0.9, 0.1] : [0.1, 0.9]))
    const r = sliceMetrics([...many('big', 400, 380), ...many('mid', 40, 20), ...many('few', 29, 29)], 2)
    const small = Object.fromEntries(r.slices.map((s) => [s.value, s.small]))
    // mid: 40 images but 50 % ± ~0.15 each side → wider than 0.2.
    expect(small).toEqual({ big: false, mid: true, few: true })
  })

  it('equal opportunity: the class’s recall per slice, worst first, and the largest gap', () => {
    const r = sliceMetrics(rows, 2, { classIndex: 1 })
    // Class 1: north 1 of 2, south 0 of 1, east 1 of 1; overall 2 of 4.
    expect(r.equalOpportunity).toMatchObject({
      classIndex: 1,
      overallRecall: 0.5,
      gap: 1,
      slices: [
        { value: 'south', support: 1, recall: 0 },
        { value: 'north', support: 2, recall: 0.5 },
        { value: 'east', support: 1, recall: 1 },
      ],
    })
    // Class 0 has no image in east: no recall there, listed last, and not part of the gap.
    const eo = sliceMetrics(rows, 2, { classIndex: 0 }).equalOpportunity!
    expect(eo.slices.map((s) => [s.value, s.recall])).toEqual([
      ['south', 0],
      ['north', 1],
      ['east', null],
    ])
    expect(eo.slices[2]!.recallCi).toBeNull()
    expect(eo.gap).toBe(1)
  })

  it('hundreds of values: the largest kept, the rest pooled as "other"', () => {
    const many: SliceRow[] = []
    for (let v = 0; v < 300; v++) {
      const n = v < 5 ? 10 : 1
      for (let i = 0; i < n; i++) many.push(row(`cam-${v}`, 0, [0.9, 0.1]))
    }
    const groups = groupByValue(many, 6)
    expect([...groups.keys()]).toEqual(['cam-0', 'cam-1', 'cam-2', 'cam-3', 'cam-4', 'other'])
    expect(groups.get('other')!.length).toBe(295)
    const r = sliceMetrics(many, 2, { maxSlices: 6 })
    expect(r.slices.length).toBe(6)
    expect(r.slices.reduce((a, s) => a + s.support, 0)).toBe(many.length)
    // A real value called "other" keeps its name; the pool takes another.
    const withOther = [...many, ...Array.from({ length: 50 }, () => row('other', 0, [0.9, 0.1]))]
    expect([...groupByValue(withOther, 3).keys()]).toEqual(['other', 'cam-0', '(other)'])
    // Few enough values: nothing is pooled.
    expect(groupByValue(rows).size).toBe(3)
  })
})
