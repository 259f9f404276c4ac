import { describe, expect, it } from 'vitest'
import {
  combine,
  decideTemperature,
  decideTta,
  figures,
  fitTemperature,
  refine,
  withTemperature,
  type Figures,
} from '../../../main/engine/evaluation/calibration'

const softmax = (z: number[]) => {
  const m = Math.max(...z)
  const e = z.map((v) => Math.exp(v - m))
  const s = e.reduce((a, b) => a + b, 0)
  return Float32Array.from(e, (v) => v / s)
}

/** A seeded generator (mulberry32), so the synthetic sets are the same every run. */
function rng(seed: number) {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * n images of k classes: random logits z, the true class drawn from softmax(z) (so softmax(z) is
 * calibrated by construction), and the probabilities given as softmax(z · sharpen): above 1 they
 * are overconfident, and the temperature that undoes it is `sharpen`.
 */
function overconfident(n: number, k: number, sharpen: number, seed = 1) {
  const r = rng(seed)
  const truth: number[] = []
  const probs: Float32Array[] = []
  for (let i = 0; i < n; i++) {
    const z = Array.from({ length: k }, (_, c) => (c === i % k ? 2 : 0) + 3 * (r() - 0.5))
    const p = softmax(z)
    let u = r()
    let t = 0
    while (t < k - 1 && u >= p[t]!) u -= p[t++]!
    truth.push(t)
    probs.push(softmax(z.map((v) => v * sharpen)))
  }
  return { truth, probs }
}

describe('withTemperature', () => {
  it('is softmax(z / T) of the logits behind the probabilities', () => {
    const z = [2, -1, 0.5]
    const p = softmax(z)
    const got = withTemperature(p, 2)
    const want = softmax(z.map((v) => v / 2))
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 6))
    expect(Array.from(withTemperature(p, 1))).toEqual(Array.from(p))
  })

  it('keeps a probability that underflowed to 0 negligible', () => {
    const got = withTemperature(Float32Array.from([1, 0]), 3)
    expect(got[1]).toBeLessThan(1e-10)
    expect(got[0]! + got[1]!).toBeCloseTo(1, 6)
  })
})

describe('combine', () => {
  it('averages an image with its mirror, each at the temperature', () => {
    const a = softmax([1, 0])
    const b = softmax([0, 1])
    const [mean] = combine([[a, b]])
    expect(mean![0]).toBeCloseTo(0.5, 6)
    const [hot] = combine([[softmax([3, 0]), softmax([1, 0])]], 2)
    expect(hot![0]).toBeCloseTo((softmax([1.5, 0])[0]! + softmax([0.5, 0])[0]!) / 2, 6)
  })
})

describe('fitTemperature', () => {
  it('finds T ≈ the factor that made the probabilities overconfident, and lowers NLL and ECE', () => {
    const { truth, probs } = overconfident(3000, 4, 3)
    const views = probs.map((p) => [p])
    const t = fitTemperature(views, truth)
    expect(t).toBeGreaterThan(2.4)
    expect(t).toBeLessThan(3.6)
    const before = figures(probs, truth)
    const after = figures(combine(views, t), truth)
    expect(after.loss).toBeLessThan(before.loss)
    expect(after.ece).toBeLessThan(before.ece / 2)
    // The temperature never changes which class wins.
    expect(after.accuracy).toBe(before.accuracy)
  })

  it('finds T ≈ 1 for probabilities that are already calibrated, and < 1 for underconfident ones', () => {
    const calibrated = overconfident(3000, 4, 1, 2)
    const t1 = fitTemperature(
      calibrated.probs.map((p) => [p]),
      calibrated.truth,
    )
    expect(Math.abs(t1 - 1)).toBeLessThan(0.12)
    const timid = overconfident(3000, 4, 0.4, 3)
    expect(
      fitTemperature(
        timid.probs.map((p) => [p]),
        timid.truth,
      ),
    ).toBeLessThan(0.5)
  })
})

/** Two views of each image (plain and mirror): one signal, each with its own noise, overconfident. */
function twoViews(n: number, k: number, seed: number) {
  const r = rng(seed)
  const truth: number[] = []
  const plain: Float32Array[] = []
  const mirrored: Float32Array[] = []
  for (let i = 0; i < n; i++) {
    const t = i % k
    const signal = Array.from({ length: k }, (_, c) => (c === t ? 1 : 0))
    const view = () => softmax(signal.map((v) => 2.5 * (v + 2 * (r() - 0.5))))
    truth.push(t)
    plain.push(view())
    mirrored.push(view())
  }
  return { truth, plain, mirrored }
}

const f = (accuracy: number, loss: number, ece = 0.05): Figures => ({ accuracy, loss, ece })

describe('decideTta', () => {
  it('auto: on when val accuracy is no lower and log loss lower by 0.5 % or more; off otherwise', () => {
    expect(decideTta('auto', { plain: f(0.9, 0.3), tta: f(0.92, 0.28) }).used).toBe(true)
    expect(decideTta('auto', { plain: f(0.9, 0.3), tta: f(0.9, 0.28) }).used).toBe(true)
    // More right answers but a worse log loss: a one-image gain on a small val split, not a signal.
    expect(decideTta('auto', { plain: f(0.9, 0.3), tta: f(0.92, 0.35) }).used).toBe(false)
    // A log loss barely lower (under 0.5 %) is not enough either.
    expect(decideTta('auto', { plain: f(0.9, 0.3), tta: f(0.9, 0.2995) }).used).toBe(false)
    const no = decideTta('auto', { plain: f(0.9, 0.3), tta: f(0.9, 0.31) })
    expect(no.used).toBe(false)
    expect(no.reason).toContain('does not help')
    expect(no.reason).toContain('90.0 %')
    expect(decideTta('auto', { plain: f(0.9, 0.3), tta: f(0.88, 0.2) }).used).toBe(false)
    expect(decideTta('auto', null)).toEqual({ used: false, reason: 'no val images to judge it by' })
  })

  it('on and off are obeyed whatever val says', () => {
    expect(decideTta('on', { plain: f(0.9, 0.3), tta: f(0.5, 2) }).used).toBe(true)
    expect(decideTta('off', { plain: f(0.5, 2), tta: f(0.9, 0.3) }).used).toBe(false)
  })
})

describe('decideTemperature', () => {
  it('applies a temperature that lowers val log loss without raising ECE', () => {
    expect(decideTemperature('auto', 2, { before: f(0.9, 0.5, 0.1), after: f(0.9, 0.3, 0.03) }).applied).toBe(true)
    const raises = decideTemperature('auto', 2, { before: f(0.9, 0.5, 0.02), after: f(0.9, 0.3, 0.04) })
    expect(raises).toMatchObject({ applied: false })
    expect(raises.reason).toContain('raises val ECE')
    expect(decideTemperature('auto', 1.005, { before: f(0.9, 0.5), after: f(0.9, 0.49) }).reason).toContain(
      'already calibrated',
    )
    expect(decideTemperature('auto', 2, { before: f(0.9, 0.5), after: f(0.9, 0.5) }).applied).toBe(false)
    expect(decideTemperature('off', 2, { before: f(0.9, 0.5, 0.1), after: f(0.9, 0.3, 0.03) }).applied).toBe(false)
    expect(decideTemperature('auto', null, null).applied).toBe(false)
    expect(decideTemperature('on', 1.001, { before: f(0.9, 0.5), after: f(0.9, 0.5) }).applied).toBe(true)
  })
})

describe('refine', () => {
  it('decides TTA on val, fits T with it, and returns the evaluation split as the model will predict it', () => {
    // Mirror views that carry independent noise: averaging them helps, so auto turns TTA on.
    const val = twoViews(1500, 3, 4)
    const test = twoViews(900, 3, 6)
    const r = refine({ tta: 'auto', calibration: 'auto' }, val, test)
    expect(r.tta.used).toBe(true)
    expect(r.tta.val!.tta.accuracy).toBeGreaterThan(r.tta.val!.plain.accuracy)
    expect(r.tta.eval!.plain).toEqual(figures(test.plain, test.truth))
    expect(r.temperature.applied).toBe(true)
    expect(r.temperature.value).toBe(r.temperature.fitted)
    expect(r.temperature.eval!.after.ece).toBeLessThan(r.temperature.eval!.before.ece)
    const views = test.plain.map((p, i) => [p, test.mirrored[i]!])
    expect(r.evalProbs).toEqual(combine(views, r.temperature.value))
  })

  it('off and off leave the predictions as they were; a blocker keeps the temperature out', () => {
    const val = overconfident(300, 3, 3, 8)
    const test = overconfident(300, 3, 3, 9)
    const off = refine(
      { tta: 'off', calibration: 'off' },
      { plain: val.probs, mirrored: null, truth: val.truth },
      { plain: test.probs, mirrored: null, truth: test.truth },
    )
    expect(off.tta).toMatchObject({ used: false, val: null, eval: null })
    expect(off.temperature).toMatchObject({ applied: false, value: 1, fitted: null })
    expect(off.evalProbs.map((p) => Array.from(p))).toEqual(test.probs.map((p) => Array.from(p)))
    const blocked = refine(
      { tta: 'off', calibration: 'auto', cannotApply: 'no softmax layer' },
      { plain: val.probs, mirrored: null, truth: val.truth },
      { plain: test.probs, mirrored: null, truth: test.truth },
    )
    expect(blocked.temperature).toMatchObject({ applied: false, value: 1 })
    expect(blocked.temperature.reason).toContain('no softmax layer')
    expect(blocked.temperature.fitted).toBeGreaterThan(1.5)
  })

  it('without val images nothing is decided on the evaluation split', () => {
    const test = overconfident(200, 3, 3, 10)
    const r = refine(
      { tta: 'auto', calibration: 'auto' },
      { plain: [], mirrored: [], truth: [] },
      { plain: test.probs, mirrored: test.probs, truth: test.truth },
    )
    expect(r.tta.used).toBe(false)
    expect(r.temperature.applied).toBe(false)
    expect(r.temperature.reason).toContain('no val images')
  })
})
