import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { checkL2, CHECK_L2 } from '../../../main/engine/quality/label-check'
import { fitSoftmax, predictSoftmax } from '../../../main/engine/quality/softmax'
import { rng } from '../../../main/engine/random'
import { selectBackend } from '../../../main/engine/training/backend'

// The TF.js engine of the softmax head must be the plain-JS loop, only faster.
const n = 300
const d = 24
const k = 3
const y = Int32Array.from({ length: n }, (_, i) => i % k)
const random = rng(9)
// Feature f leans toward class f mod k, with noise: separable but not trivially.
const x = new Float32Array(n * d).map((_, q) => random() + (y[Math.floor(q / d)] === (q % d) % k ? 0.6 : 0))
const rows = Array.from({ length: n }, (_, i) => i)

beforeAll(async () => {
  await selectBackend('wasm')
})

describe('softmax head on TF.js', () => {
  it.each([1e-3, 1])('gives the probabilities of the JS loop (l2 %s), leaking no tensors', (l2) => {
    const tensors = tf.memory().numTensors
    const js = predictSoftmax(fitSoftmax(x, d, y, k, rows, { l2 }), x, rows)
    const onTf = predictSoftmax(fitSoftmax(x, d, y, k, rows, { l2, engine: 'tf' }), x, rows)
    expect(tf.memory().numTensors).toBe(tensors)
    let worst = 0
    js.forEach((p, i) => p.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - onTf[i]![j]!)))))
    expect(worst).toBeLessThan(1e-4)
    // And it learned something: most rows go to their class.
    expect(onTf.filter((p, i) => p.indexOf(Math.max(...p)) === y[i]).length).toBeGreaterThan(0.8 * n)
  })
})

describe("the label check's penalty", () => {
  it('is CHECK_L2 for small sets and a fixed prior per training image for large ones', () => {
    expect(checkL2(36)).toBe(CHECK_L2)
    expect(checkL2(318)).toBe(CHECK_L2)
    expect(checkL2(8000)).toBeCloseTo(0.04, 10)
    expect(checkL2(80_000)).toBeCloseTo(0.004, 10)
  })
})
