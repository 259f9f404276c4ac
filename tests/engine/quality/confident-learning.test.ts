import { describe, expect, it } from 'vitest'
import {
  confidentJoint,
  disagreements,
  findLabelIssues,
  issueScore,
} from '../../../main/engine/quality/confident-learning'
import { crossValidatedProbs, fitSoftmax, predictSoftmax } from '../../../main/engine/quality/softmax'
import { rankByUncertainty, uncertainty } from '../../../main/engine/quality/uncertainty'
import { rng } from '../../../main/engine/random'

/** k Gaussian blobs in d dimensions, `per` points each; returns features and true labels. */
function blobs(k: number, d: number, per: number, spread: number, seed: number) {
  const r = rng(seed)
  const gauss = () => Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r())
  const centres = Array.from({ length: k }, () => Array.from({ length: d }, () => gauss() * 3))
  const x = new Float32Array(k * per * d)
  const y = new Int32Array(k * per)
  for (let i = 0; i < k * per; i++) {
    y[i] = i % k
    for (let f = 0; f < d; f++) x[i * d + f] = centres[y[i]!]![f]! + gauss() * spread
  }
  return { x, y }
}

/** Flips a random `rate` of the labels to another class; returns the noisy labels and the flipped set. */
function flip(y: Int32Array, k: number, rate: number, seed: number) {
  const r = rng(seed)
  const noisy = Int32Array.from(y)
  const flipped = new Set<number>()
  const order = Array.from(y, (_, i) => i).sort(() => r() - 0.5)
  for (const i of order.slice(0, Math.round(rate * y.length))) {
    noisy[i] = (y[i]! + 1 + Math.floor(r() * (k - 1))) % k
    flipped.add(i)
  }
  return { noisy, flipped }
}

describe('confident joint', () => {
  it('counts images labeled i that are confidently j, with per-class mean thresholds', () => {
    const probs = [
      [0.9, 0.1],
      [0.8, 0.2],
      [0.3, 0.7],
      [0.2, 0.8],
      [0.6, 0.4],
    ]
    const labels = [0, 0, 1, 1, 1]
    const cj = confidentJoint(probs, labels, 2)
    // t0 = (0.9 + 0.8) / 2 = 0.85; t1 = (0.7 + 0.8 + 0.4) / 3 ≈ 0.633
    expect(cj.thresholds[0]).toBeCloseTo(0.85)
    expect(cj.thresholds[1]).toBeCloseTo(0.6333, 3)
    // Image 4 (label 1, p = [0.6, 0.4]) is confident in neither; image 1 (0.8 < 0.85) neither.
    expect(cj.counts).toEqual([
      [1, 0],
      [0, 2],
    ])
    expect(cj.joint.flat().reduce((a, b) => a + b)).toBeCloseTo(1)
  })

  it('flags a confidently contradicted label and suggests the confident class', () => {
    const probs = [
      [0.95, 0.05],
      [0.9, 0.1],
      [0.92, 0.08],
      [0.1, 0.9],
      [0.05, 0.95],
      [0.97, 0.03],
    ]
    const labels = [0, 0, 0, 1, 1, 1]
    const issues = findLabelIssues(probs, labels, 2)
    expect(issues.map((i) => i.index)).toEqual([5])
    expect(issues[0]!.suggested).toBe(0)
    expect(issues[0]!.score).toBeCloseTo(0.97)
  })

  it('never flags an image whose prediction is its label', () => {
    const probs = [
      [0.6, 0.4],
      [0.55, 0.45],
      [0.4, 0.6],
      [0.45, 0.55],
    ]
    expect(findLabelIssues(probs, [0, 0, 1, 1], 2)).toEqual([])
  })

  it('ranks by normalized margin when asked', () => {
    expect(issueScore([0.2, 0.5, 0.3], 0, 'normalized-margin')).toBeCloseTo((1 - (0.2 - 0.5)) / 2)
    expect(issueScore([0.2, 0.5, 0.3], 0, 'self-confidence')).toBeCloseTo(0.8)
  })
})

describe('label issues on noisy blobs (cross-validated softmax head + confident learning)', () => {
  const k = 4
  const { x, y } = blobs(k, 16, 150, 3, 5)
  const { noisy, flipped } = flip(y, k, 0.2, 6)
  const probs = crossValidatedProbs(x, 16, noisy, k, 5, 1)

  it('gives every row an out-of-sample probability vector', () => {
    expect(probs).toHaveLength(y.length)
    for (const p of probs) expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4)
  })

  it('finds the flipped labels with high precision and recall, better than plain disagreement', () => {
    const score = (found: number[]) => {
      const tp = found.filter((i) => flipped.has(i)).length
      const precision = tp / found.length
      const recall = tp / flipped.size
      return { precision, recall, f1: (2 * precision * recall) / (precision + recall) }
    }
    const cl = score(findLabelIssues(probs, noisy, k).map((i) => i.index))
    const base = score(disagreements(probs, noisy).map((i) => i.index))
    expect(cl.f1).toBeGreaterThan(0.8)
    expect(cl.precision).toBeGreaterThan(base.precision + 0.05)
  })

  it('suggests the true class for most flagged images', () => {
    const issues = findLabelIssues(probs, noisy, k).filter((i) => flipped.has(i.index))
    const right = issues.filter((i) => i.suggested === y[i.index]).length
    expect(right / issues.length).toBeGreaterThan(0.9)
  })
})

describe('softmax head', () => {
  it('separates separable data and is deterministic', () => {
    const { x, y } = blobs(3, 8, 40, 0.5, 2)
    const rows = Array.from(y, (_, i) => i)
    const m = fitSoftmax(x, 8, y, 3, rows)
    const acc = predictSoftmax(m, x, rows).filter((p, i) => p.indexOf(Math.max(...p)) === y[i]).length / rows.length
    expect(acc).toBe(1)
    expect(fitSoftmax(x, 8, y, 3, rows).w).toEqual(m.w)
  })
})

describe('uncertainty', () => {
  it('is highest for a flat distribution and lowest for a certain one, for every measure', () => {
    for (const by of ['margin', 'entropy', 'least-confidence'] as const) {
      expect(uncertainty([1 / 3, 1 / 3, 1 / 3], by)).toBeCloseTo(1)
      expect(uncertainty([1, 0, 0], by)).toBeCloseTo(0)
      expect(uncertainty([0.5, 0.4, 0.1], by)).toBeGreaterThan(uncertainty([0.8, 0.1, 0.1], by))
    }
    // Margin and entropy can disagree: [0.45, 0.45, 0.1] is a coin toss between two classes.
    expect(uncertainty([0.45, 0.45, 0.1], 'margin')).toBeCloseTo(1)
    expect(uncertainty([0.45, 0.45, 0.1], 'entropy')).toBeLessThan(1)
  })

  it('orders the queue most uncertain first, ties by position', () => {
    expect(
      rankByUncertainty(
        [
          [0.9, 0.1],
          [0.5, 0.5],
          [0.7, 0.3],
          [0.5, 0.5],
        ],
        'margin',
      ),
    ).toEqual([1, 3, 2, 0])
  })
})
