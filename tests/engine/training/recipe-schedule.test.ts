import { describe, expect, it } from 'vitest'
import {
  isScheduled,
  learningRateAt,
  learningRateSchedule,
  type SchedulePlan,
} from '../../../main/engine/training/schedule'

// The learning rate per step against the formulas recipe.ts documents.
const lr = 0.01
const plan = (p: Partial<SchedulePlan>): SchedulePlan => ({
  schedule: 'cosine',
  learningRate: lr,
  warmupSteps: 0,
  totalSteps: 100,
  ...p,
})
const rates = (p: SchedulePlan) => Array.from({ length: p.totalSteps }, (_, s) => learningRateAt(p, s))

describe('learning-rate schedules', () => {
  it('warm-up ramps linearly to the rate: lr·(step + 1)/W', () => {
    for (const schedule of ['constant', 'cosine'] as const) {
      const r = rates(plan({ schedule, warmupSteps: 10 }))
      for (let s = 0; s < 10; s++) expect(r[s]).toBeCloseTo((lr * (s + 1)) / 10, 12)
      expect(r[9]).toBeCloseTo(lr, 12)
    }
    // Constant after it.
    expect(new Set(rates(plan({ schedule: 'constant', warmupSteps: 10 })).slice(10))).toEqual(new Set([lr]))
    expect(new Set(rates(plan({ schedule: 'constant' })))).toEqual(new Set([lr]))
  })

  it('cosine: lr·½(1 + cos(π(step − W)/(T − W))) after the warm-up, ending near 0', () => {
    const p = plan({ warmupSteps: 20 })
    const r = rates(p)
    for (const s of [20, 35, 60, 80, 99])
      expect(r[s]).toBeCloseTo((lr * (1 + Math.cos((Math.PI * (s - 20)) / 80))) / 2, 12)
    expect(r[20]).toBeCloseTo(lr, 12)
    expect(r[60]).toBeCloseTo(lr / 2, 12)
    expect(r[99]!).toBeLessThan(lr * 0.001)
    expect(r[99]!).toBeGreaterThan(0) // the last step still moves
    for (let s = 21; s < 100; s++) expect(r[s]!).toBeLessThan(r[s - 1]!)
    // Without warm-up it starts at the rate.
    expect(learningRateAt(plan({}), 0)).toBe(lr)
  })

  it('onecycle: rate/25 up to the rate over the rise (30 % of the run by default), then down to rate/250 000', () => {
    const r = rates(plan({ schedule: 'onecycle' }))
    expect(r[0]).toBeCloseTo(lr / 25, 12)
    expect(r[30]).toBeCloseTo(lr, 12)
    expect(r[99]).toBeCloseTo(lr / 25 / 1e4, 12)
    expect(r[15]).toBeCloseTo((lr / 25 + lr) / 2, 12) // halfway up the cosine
    for (let s = 1; s <= 30; s++) expect(r[s]!).toBeGreaterThan(r[s - 1]!)
    for (let s = 31; s < 100; s++) expect(r[s]!).toBeLessThan(r[s - 1]!)
    // A warm-up sets the rise.
    const w = rates(plan({ schedule: 'onecycle', warmupSteps: 10 }))
    expect(w[10]).toBeCloseTo(lr, 12)
    expect(Math.max(...w)).toBeCloseTo(lr, 12)
  })

  it('the callback sets the rate of the global step before each batch (a resumed run continues the curve)', () => {
    const set: number[] = []
    const cb = learningRateSchedule(
      { setLearningRate: (x) => set.push(x) },
      { schedule: 'cosine', learningRate: lr, warmupEpochs: 0.5, epochs: 3 },
    )
    // 4 batches per epoch: T = 12, W = 2.
    for (let epoch = 2; epoch <= 3; epoch++)
      for (let batch = 1; batch <= 4; batch++) cb.onBatchBegin!({ epoch, batch, batches: 4 })
    const p = plan({ warmupSteps: 2, totalSteps: 12 })
    expect(set).toEqual([4, 5, 6, 7, 8, 9, 10, 11].map((s) => learningRateAt(p, s)))
    expect(set[7]!).toBeLessThan(lr * 0.05)
  })

  it('a constant rate without warm-up needs no callback at all', () => {
    expect(isScheduled('constant', 0)).toBe(false)
    expect(isScheduled('constant', 1)).toBe(true)
    expect(isScheduled('cosine', 0)).toBe(true)
    expect(isScheduled('onecycle', 0)).toBe(true)
  })
})
