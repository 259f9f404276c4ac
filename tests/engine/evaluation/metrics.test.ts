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
})
