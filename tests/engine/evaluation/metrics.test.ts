import { describe, expect, it } from 'vitest'
import {
  calibration,
  confusionMatrix,
  evaluate,
  perClassMetrics,
  topKAccuracy,
} from '../../../main/engine/evaluation/metrics'

const p = (...xs: number[]) => Float32Array.from(xs)

describe('metrics against hand-computed confusion matrices', () => {
  it('3 classes, one never predicted', () => {
    // truth: 0 0 0 1 1 2 2 2 ; pred: 0 0 1 1 1 0 1 1  → class 2 is never predicted
    const truth = [0, 0, 0, 1, 1, 2, 2, 2]
    const pred = [0, 0, 1, 1, 1, 0, 1, 1]
    const m = confusionMatrix(truth, pred, 3)
    expect(m).toEqual([
      [2, 1, 0],
      [0, 2, 0],
      [1, 2, 0],
    ])
    const per = perClassMetrics(m)
    // class 0: tp 2, predicted 3, support 3 → P 2/3, R 2/3, F1 2/3
    expect(per[0]!.precision).toBeCloseTo(2 / 3)
    expect(per[0]!.recall).toBeCloseTo(2 / 3)
    expect(per[0]!.f1).toBeCloseTo(2 / 3)
    // class 1: tp 2, predicted 5, support 2 → P 0.4, R 1, F1 0.8/1.4
    expect(per[1]!.precision).toBeCloseTo(0.4)
    expect(per[1]!.recall).toBeCloseTo(1)
    expect(per[1]!.f1).toBeCloseTo(0.8 / 1.4)
    // class 2: never predicted → precision 0 (zero_division = 0), recall 0, F1 0
    expect(per[2]).toEqual({ precision: 0, recall: 0, f1: 0, support: 3 })
  })

  it('evaluate: accuracy, loss, macro and weighted averages, top-k', () => {
    const probs = [p(0.7, 0.2, 0.1), p(0.1, 0.8, 0.1), p(0.3, 0.3, 0.4), p(0.5, 0.4, 0.1)]
    const truth = [0, 1, 2, 1]
    const e = evaluate(probs, truth, 3)
    expect(e.accuracy).toBeCloseTo(0.75)
    expect(e.loss).toBeCloseTo(-(Math.log(0.7) + Math.log(0.8) + Math.log(0.4) + Math.log(0.4)) / 4)
    // per class: 0: P 1/2 R 1 F1 2/3 (n1); 1: P 1 R 1/2 F1 2/3 (n2); 2: P 1 R 1 F1 1 (n1)
    expect(e.macro.precision).toBeCloseTo((0.5 + 1 + 1) / 3)
    expect(e.macro.f1).toBeCloseTo((2 / 3 + 2 / 3 + 1) / 3)
    expect(e.weighted.recall).toBeCloseTo((1 * 1 + 0.5 * 2 + 1 * 1) / 4)
    expect(e.topK).toEqual([
      { k: 1, accuracy: 0.75 },
      { k: 2, accuracy: 1 },
      { k: 3, accuracy: 1 },
    ])
    expect(topKAccuracy([p(0.2, 0.5, 0.3)], [0], 2)).toBe(0)
  })

  it('calibration: ECE from equal-width bins', () => {
    // conf 0.95 ×2 (1 right), 0.55 ×2 (both right) → bins 9 and 5
    const { ece, bins } = calibration([0.95, 0.95, 0.55, 0.55], [true, false, true, true])
    expect(bins[9]).toMatchObject({ count: 2, accuracy: 0.5 })
    expect(bins[9]!.confidence).toBeCloseTo(0.95)
    expect(bins[5]).toMatchObject({ count: 2, accuracy: 1 })
    expect(ece).toBeCloseTo(0.5 * 0.45 + 0.5 * 0.45)
  })

  it('calibration: a confidence exactly on an edge belongs to the bin it closes, (lower, upper]', () => {
    // Bins are (b/n, (b+1)/n] as in Guo et al.; 0 joins the first bin and 1 the last.
    const conf = [0.5, 0.25, 1, 0, 0.75, 0.5000001]
    const { bins } = calibration(conf, [true, true, true, false, false, true], 4)
    expect(bins.map((b) => b.count)).toEqual([2, 1, 2, 1])
    // (0, 0.25]: 0.25 (right) and 0 (wrong).
    expect(bins[0]).toMatchObject({ lower: 0, upper: 0.25, count: 2, accuracy: 0.5, confidence: 0.125 })
    // (0.25, 0.5]: 0.5 only; 0.5000001 is past the edge.
    expect(bins[1]).toMatchObject({ lower: 0.25, upper: 0.5, count: 1, accuracy: 1, confidence: 0.5 })
    expect(bins[2]).toMatchObject({ count: 2, accuracy: 0.5 })
    expect(bins[2]!.confidence).toBeCloseTo((0.75 + 0.5000001) / 2, 9)
    expect(bins[3]).toMatchObject({ count: 1, accuracy: 1, confidence: 1 })
    // Ten bins: 0.5 closes the fifth, just above opens the sixth.
    const ten = calibration([0.5, 0.500001, 0.1], [true, true, true]).bins.map((b) => b.count)
    expect(ten).toEqual([1, 0, 0, 0, 1, 1, 0, 0, 0, 0])
  })

  it('top-k: ties rank the lower class index first', () => {
    // Classes 0 and 1 tie: class 0 is first, class 1 second.
    expect(topKAccuracy([p(0.4, 0.4, 0.2)], [0], 1)).toBe(1)
    expect(topKAccuracy([p(0.4, 0.4, 0.2)], [1], 1)).toBe(0)
    expect(topKAccuracy([p(0.4, 0.4, 0.2)], [1], 2)).toBe(1)
    // A three-way tie: the truth's index decides its rank.
    const tie = p(0.25, 0.25, 0.25, 0.25)
    expect([0, 1, 2, 3].map((t) => topKAccuracy([tie], [t], 2))).toEqual([1, 1, 0, 0])
    // Ties with the truth above it, and the argmax agrees with the order.
    expect(topKAccuracy([p(0.1, 0.3, 0.3, 0.3)], [3], 2)).toBe(0)
    expect(topKAccuracy([p(0.1, 0.3, 0.3, 0.3)], [2], 2)).toBe(1)
    const e = evaluate([p(0.4, 0.4, 0.2), p(0.2, 0.4, 0.4)], [1, 2], 3)
    expect(e.accuracy).toBe(0)
    expect(e.topK[0]).toEqual({ k: 1, accuracy: 0 })
    expect(e.topK[1]).toEqual({ k: 2, accuracy: 1 })
  })
})
