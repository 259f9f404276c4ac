import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { selectBackend } from '../../../main/engine/training/backend'

/** Deterministic pseudo-random values in [-1, 1). */
function rand(n: number, seed: number): Float32Array {
  const out = new Float32Array(n)
  let s = seed >>> 0
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    out[i] = s / 2 ** 31 - 1
  }
  return out
}

async function filterGrad(
  backend: 'cpu' | 'wasm',
  xShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  strides: number,
  pad: 'valid' | 'same',
  dilations: number,
  seed: number,
): Promise<Float32Array> {
  await tf.setBackend(backend)
  return tf.tidy(() => {
    const x = tf.tensor4d(rand(xShape.reduce((a, b) => a * b), seed), xShape)
    const w = tf.tensor4d(rand(filterShape.reduce((a, b) => a * b), seed + 1), filterShape)
    // d/dw of Σ conv(x, w) ⊙ r for a fixed random r: exercises Conv2DBackpropFilter with dy = r.
    const y = tf.conv2d(x, w, strides, pad, 'NHWC', dilations)
    const r = tf.tensor(rand(y.size, seed + 2), y.shape)
    // Gradients with respect to the filter (Conv2DBackpropFilter) and the input (Conv2DBackpropInput).
    const [gx, gw] = tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, strides, pad, 'NHWC', dilations).mul(r).sum())([x, w])
    return Float32Array.from([...(gw!.dataSync() as Float32Array), ...(gx!.dataSync() as Float32Array)])
  })
}

function relErr(a: Float32Array, b: Float32Array): number {
  let num = 0
  let den = 0
  for (let i = 0; i < a.length; i++) {
    num += (a[i]! - b[i]!) ** 2
    den += b[i]! ** 2
  }
  return Math.sqrt(num / Math.max(den, 1e-30))
}

describe('wasm Conv2DBackpropFilter and Conv2DBackpropInput (composed from wasm kernels) match the cpu backend', () => {
  beforeAll(async () => {
    expect((await selectBackend('wasm')).name).toBe('wasm')
  })

  const cases: [string, [number, number, number, number], [number, number, number, number], number, 'valid' | 'same', number][] = [
    ['3×3 stride 1 valid', [4, 12, 11, 3], [3, 3, 3, 8], 1, 'valid', 1],
    ['3×3 stride 1 same', [3, 10, 10, 5], [3, 3, 5, 4], 1, 'same', 1],
    ['3×3 stride 2 valid', [2, 13, 12, 4], [3, 3, 4, 6], 2, 'valid', 1],
    ['3×3 stride 2 same', [2, 12, 13, 3], [3, 3, 3, 7], 2, 'same', 1],
    ['5×3 stride 2 same, odd sizes', [3, 15, 9, 2], [5, 3, 2, 3], 2, 'same', 1],
    ['1×1 stride 1', [5, 7, 7, 16], [1, 1, 16, 8], 1, 'valid', 1],
    ['seed-cnn layer 2 channels', [2, 15, 15, 32], [3, 3, 32, 64], 1, 'valid', 1],
  ]
  for (const [name, xs, fs, s, pad, d] of cases) {
    it(name, async () => {
      const cpu = await filterGrad('cpu', xs, fs, s, pad, d, 7)
      const wasm = await filterGrad('wasm', xs, fs, s, pad, d, 7)
      expect(wasm.length).toBe(cpu.length)
      expect(relErr(wasm, cpu)).toBeLessThan(1e-4)
    })
  }

  it('leaks no tensors', async () => {
    await tf.setBackend('wasm')
    const before = tf.memory().numTensors
    await filterGrad('wasm', [2, 9, 9, 3], [3, 3, 3, 4], 2, 'same', 1, 3)
    expect(tf.memory().numTensors).toBe(before)
  })
})
