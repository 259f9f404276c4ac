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
): Promise<Float32Array[]> {
  await tf.setBackend(backend)
  return tf.tidy(() => {
    const x = tf.tensor4d(
      rand(
        xShape.reduce((a, b) => a * b),
        seed,
      ),
      xShape,
    )
    const w = tf.tensor4d(
      rand(
        filterShape.reduce((a, b) => a * b),
        seed + 1,
      ),
      filterShape,
    )
    // d/dw of Σ conv(x, w) ⊙ r for a fixed random r: exercises Conv2DBackpropFilter with dy = r.
    const y = tf.conv2d(x, w, strides, pad, 'NHWC', dilations)
    const r = tf.tensor(rand(y.size, seed + 2), y.shape)
    // Gradients with respect to the filter (Conv2DBackpropFilter) and the input (Conv2DBackpropInput).
    const [gx, gw] = tf.grads((xx: tf.Tensor, ww: tf.Tensor) =>
      tf
        .conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, strides, pad, 'NHWC', dilations)
        .mul(r)
        .sum(),
    )([x, w])
    return [gw!, gx!, y].map((t) => t.dataSync() as Float32Array)
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

describe('wasm Conv2D, Conv2DBackpropFilter and Conv2DBackpropInput (SIMD kernels, or composed from wasm kernels) match the cpu backend', () => {
  beforeAll(async () => {
    expect((await selectBackend('wasm')).name).toBe('wasm')
  })

  const cases: [
    string,
    [number, number, number, number],
    [number, number, number, number],
    number,
    'valid' | 'same',
    number,
  ][] = [
    ['RGB 3×3 stride 1 valid (filter kernel, channels padded to 4)', [4, 12, 11, 3], [3, 3, 3, 8], 1, 'valid', 1],
    [
      'RGB 3×3, 32 filters, many rows (filter kernel, channels padded to 4)',
      [2, 40, 37, 3],
      [3, 3, 3, 32],
      1,
      'valid',
      1,
    ],
    [
      '1 channel 5×3, 16 filters, stride 2 same (filter kernel, channel padded to 4)',
      [2, 9, 8, 1],
      [5, 3, 1, 16],
      2,
      'same',
      1,
    ],
    // The SIMD kernel computes 8 filters at a time: counts that are multiples of 4 only must not reach it.
    ['RGB 3×3, 4 filters (not a multiple of 8: the composed kernel)', [2, 10, 9, 3], [3, 3, 3, 4], 1, 'valid', 1],
    ['RGB 3×3, 12 filters (not a multiple of 8: the composed kernel)', [2, 10, 9, 3], [3, 3, 3, 12], 1, 'valid', 1],
    ['RGB 3×3 same, 8 filters (spatial and channel padding: filter kernel)', [2, 9, 8, 3], [3, 3, 3, 8], 1, 'same', 1],
    ['3×3 stride 1 same', [3, 10, 10, 5], [3, 3, 5, 4], 1, 'same', 1],
    ['3×3 stride 2 valid', [2, 13, 12, 4], [3, 3, 4, 6], 2, 'valid', 1],
    ['3×3 stride 2 same', [2, 12, 13, 3], [3, 3, 3, 7], 2, 'same', 1],
    ['5×3 stride 2 same, odd sizes', [3, 15, 9, 2], [5, 3, 2, 3], 2, 'same', 1],
    ['1×1 stride 1', [5, 7, 7, 16], [1, 1, 16, 8], 1, 'valid', 1],
    ['seed-cnn layer 2 channels', [2, 15, 15, 32], [3, 3, 32, 64], 1, 'valid', 1],
    // Direct SIMD kernels: 4 input × 8 output channels at a time (filter), 8 input channels (input),
    // 8 output channels and at least 8 input channels at stride 1 (forward).
    ['seed-cnn layer 3 at 32 px: 4×4 outputs, batch 1', [1, 6, 6, 64], [3, 3, 64, 128], 1, 'valid', 1],
    [
      "1×1 outputs, odd position count (the input kernel's single-position tail)",
      [3, 3, 3, 8],
      [3, 3, 8, 16],
      1,
      'valid',
      1,
    ],
    ['8 in, 8 out, same padding, odd sizes', [2, 7, 5, 8], [3, 3, 8, 8], 1, 'same', 1],
    ['16 in, 24 out, stride 2 same, odd sizes', [2, 9, 11, 16], [3, 3, 16, 24], 2, 'same', 1],
    [
      '12 in, 16 out, 3×5 same, 5 positions (forward: a block of 4, then 1)',
      [1, 1, 5, 12],
      [3, 5, 12, 16],
      1,
      'same',
      1,
    ],
    [
      '8 in, 16 out, 5×3 stride 2 valid (last row and column read by no tap)',
      [1, 12, 10, 8],
      [5, 3, 8, 16],
      2,
      'valid',
      1,
    ],
    // Multiples of 4 but not 8: only the filter gradient's kernel takes 12 inputs; 12 outputs go to the composed one.
    ['12 in, 8 out (filter: direct kernel; input: composed)', [2, 7, 6, 12], [3, 3, 12, 8], 1, 'valid', 1],
    ['8 in, 12 out (filter: composed; input: direct kernel)', [2, 7, 6, 8], [3, 3, 8, 12], 1, 'same', 1],
    ['1×1 filter, 1×1 input, batch 1', [1, 1, 1, 8], [1, 1, 8, 8], 1, 'valid', 1],
    // The filter kernel streams ~64 KB of images per pass: 2 of these, then the last one alone.
    ['3 images of 20×20×8 (filter kernel: groups of 2 and 1)', [3, 20, 20, 8], [3, 3, 8, 8], 1, 'valid', 1],
  ]
  for (const [name, xs, fs, s, pad, d] of cases) {
    it(name, async () => {
      const cpu = await filterGrad('cpu', xs, fs, s, pad, d, 7)
      const wasm = await filterGrad('wasm', xs, fs, s, pad, d, 7)
      // The filter gradient, the input gradient and the convolution itself, each on its own scale.
      for (const [i, part] of ['filter gradient', 'input gradient', 'forward'].entries()) {
        expect(wasm[i]!.length, part).toBe(cpu[i]!.length)
        expect(relErr(wasm[i]!, cpu[i]!), part).toBeLessThan(1e-4)
      }
    })
  }

  it('dilated convolutions: TensorFlow.js refuses their gradients on every backend, so no kernel gets one', async () => {
    for (const backend of ['cpu', 'wasm'] as const) {
      await expect(filterGrad(backend, [2, 14, 13, 3], [3, 3, 3, 4], 1, 'same', 2, 5)).rejects.toThrow(
        /dilation rates greater than 1 are not yet supported in gradients/,
      )
    }
  })

  it('leaks no tensors', async () => {
    await tf.setBackend('wasm')
    const before = tf.memory().numTensors
    await filterGrad('wasm', [2, 9, 9, 3], [3, 3, 3, 4], 2, 'same', 1, 3)
    expect(tf.memory().numTensors).toBe(before)
  })
})

/** Runs `f` on a backend with the same seeded inputs; returns every output concatenated. */
async function on(backend: 'cpu' | 'wasm', f: () => tf.Tensor[]): Promise<Float32Array> {
  await tf.setBackend(backend)
  return tf.tidy(() => Float32Array.from(f().flatMap((t) => [...(t.dataSync() as Float32Array)])))
}
const T = (shape: number[], seed: number) =>
  tf.tensor(
    rand(
      shape.reduce((a, b) => a * b),
      seed,
    ),
    shape,
  )

describe('wasm depthwise-convolution gradients, MaxPoolGrad and transposed matMul match the cpu backend', () => {
  beforeAll(async () => {
    expect((await selectBackend('wasm')).name).toBe('wasm')
  })

  const depthwise: [string, number[], number[], number, 'valid' | 'same'][] = [
    ['3×3 stride 1 same', [2, 9, 10, 6], [3, 3, 6, 1], 1, 'same'],
    ['3×3 stride 2 same (MobileNet downsampling)', [3, 12, 11, 8], [3, 3, 8, 1], 2, 'same'],
    ['3×3 stride 2 valid, odd sizes', [2, 13, 9, 4], [3, 3, 4, 1], 2, 'valid'],
    ['5×3 stride 1 valid, channel multiplier 2', [2, 10, 8, 3], [5, 3, 3, 2], 1, 'valid'],
    ['3×3 stride 2 same, multiplier 3', [1, 7, 8, 2], [3, 3, 2, 3], 2, 'same'],
  ]
  for (const [name, xs, fs, s, pad] of depthwise) {
    it(`DepthwiseConv2dNative backprop (filter and input): ${name}`, async () => {
      const f = () => {
        const x = T(xs, 11)
        const w = T(fs, 12)
        const y = tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, s, pad)
        const r = T(y.shape, 13)
        const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf
            .depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, s, pad)
            .mul(r)
            .sum(),
        )([x, w])
        return [gw!, gx!]
      }
      const cpu = await on('cpu', f)
      const wasm = await on('wasm', f)
      expect(wasm.length).toBe(cpu.length)
      expect(relErr(wasm, cpu)).toBeLessThan(1e-4)
    })
  }

  const pools: [string, number[], number, number, 'valid' | 'same'][] = [
    ['2×2 stride 2 valid (seed CNN)', [4, 12, 10, 5], 2, 2, 'valid'],
    ['2×2 stride 2 valid, odd sizes (cropped edge)', [2, 13, 11, 3], 2, 2, 'valid'],
    ['2×2 stride 2 valid, 8 channels (SIMD kernel)', [3, 12, 10, 8], 2, 2, 'valid'],
    ['2×2 stride 2 valid, 12 channels, odd sizes (SIMD kernel, cropped edge)', [2, 13, 11, 12], 2, 2, 'valid'],
    ['2×2 stride 2 same, odd sizes, 8 channels (windows past the edge: general loop)', [2, 7, 9, 8], 2, 2, 'same'],
    ['2×2 stride 2 same, odd sizes, 3 channels', [2, 9, 7, 3], 2, 2, 'same'],
    ['3×3 stride 2 same (overlapping windows)', [2, 11, 12, 4], 3, 2, 'same'],
    ['2×2 stride 1 valid', [2, 7, 6, 3], 2, 1, 'valid'],
  ]
  for (const [name, xs, k, s, pad] of pools) {
    it(`MaxPoolGrad: ${name}`, async () => {
      const f = () => {
        // Rounded inputs make ties, so the choice among equal maxima is checked too.
        const x = T(xs, 21).mul(4).round()
        const y = tf.maxPool(x as tf.Tensor4D, k, s, pad)
        const r = T(y.shape, 22)
        return [
          tf.grad((a: tf.Tensor) =>
            tf
              .maxPool(a as tf.Tensor4D, k, s, pad)
              .mul(r)
              .sum(),
          )(x),
        ]
      }
      const cpu = await on('cpu', f)
      const wasm = await on('wasm', f)
      expect(relErr(wasm, cpu)).toBeLessThan(1e-4)
    })
  }

  for (const [ta, tb] of [
    [true, false],
    [false, true],
    [true, true],
  ] as const) {
    it(`BatchMatMul transposeA=${ta} transposeB=${tb}, 2-D and batched`, async () => {
      const f = () => [
        tf.matMul(T(ta ? [7, 5] : [5, 7], 31), T(tb ? [9, 7] : [7, 9], 32), ta, tb),
        tf.matMul(T(ta ? [3, 7, 5] : [3, 5, 7], 33), T(tb ? [3, 9, 7] : [3, 7, 9], 34), ta, tb),
      ]
      expect(relErr(await on('wasm', f), await on('cpu', f))).toBeLessThan(1e-5)
    })
  }

  it("BatchMatMul a·bᵀ with a small a and a large b (computed as (b·aᵀ)ᵀ, a dense layer's input gradient), 2-D and batched", async () => {
    const f = () => [
      tf.matMul(T([3, 8], 35), T([64, 8], 36), false, true),
      tf.matMul(T([2, 3, 8], 37), T([2, 64, 8], 38), false, true),
    ]
    const wasm = await on('wasm', f)
    expect(wasm.length).toBe(3 * 64 + 2 * 3 * 64)
    expect(relErr(wasm, await on('cpu', f))).toBeLessThan(1e-5)
  })

  it('BatchMatMul of a few rows by a large matrix (SIMD kernel, no repacking): 2-D, rows not a multiple of 4, and [1, m, k]', async () => {
    const f = () => [
      tf.matMul(T([13, 700], 51), T([700, 104], 52)),
      tf.matMul(T([1, 3, 520], 53), T([1, 520, 128], 54)),
      tf.matMul(T([4, 600], 55), T([600, 120], 56)),
    ]
    const wasm = await on('wasm', f)
    expect(wasm.length).toBe(13 * 104 + 3 * 128 + 4 * 120)
    expect(relErr(wasm, await on('cpu', f))).toBeLessThan(1e-5)
  })

  const sums: [string, number[], number | number[], boolean][] = [
    ['a bias gradient: all axes but 8 channels (SIMD kernel)', [4, 9, 10, 8], [0, 1, 2], false],
    ['over 64 rows, keepDims, axes unsorted (SIMD kernel, several blocks)', [3, 50, 12], [1, 0], true],
    ['2-D, 4 channels (SIMD kernel)', [70, 4], 0, false],
    ['channels not a multiple of 4 (backend kernel)', [5, 6, 7, 6], [0, 1, 2], false],
    ['inner axes (backend kernel)', [5, 6, 8], [1, 2], false],
  ]
  for (const [name, shape, axis, keepDims] of sums) {
    it(`Sum: ${name}`, async () => {
      const f = () => [tf.sum(T(shape, 41), axis, keepDims)]
      const wasm = await on('wasm', f)
      expect(relErr(wasm, await on('cpu', f))).toBeLessThan(1e-5)
    })
  }

  const tiles: [string, number[], number[]][] = [
    ["batch norm's per-channel values over a batch", [1, 1, 1, 32], [4, 6, 6, 1]],
    ['every axis repeated', [2, 3, 4], [3, 2, 2]],
    ['the last axis only', [5, 3], [1, 4]],
    ['1-D', [7], [3]],
    ['nothing repeated', [2, 5, 3], [1, 1, 1]],
  ]
  for (const [name, shape, reps] of tiles) {
    it(`Tile: ${name}`, async () => {
      const f = () => [tf.tile(T(shape, 43), reps)]
      const wasm = await on('wasm', f)
      expect(wasm.length).toBe(shape.reduce((a, d, i) => a * d * reps[i]!, 1))
      expect(Array.from(wasm)).toEqual(Array.from(await on('cpu', f)))
    })
  }
  it('Tile: the gradient of batch normalization in training matches the cpu backend', async () => {
    const f = () => {
      const x = T([4, 5, 5, 8], 44)
      const r = T([4, 5, 5, 8], 45)
      const [gx] = tf.grads((a: tf.Tensor) => {
        const { mean, variance } = tf.moments(a, [0, 1, 2])
        return tf
          .batchNorm(a, mean, variance, T([8], 46), T([8], 47), 1e-3)
          .mul(r)
          .sum()
      })([x])
      return [gx!]
    }
    expect(relErr(await on('wasm', f), await on('cpu', f))).toBeLessThan(1e-4)
  })

  it('leak no tensors', async () => {
    await tf.setBackend('wasm')
    const before = tf.memory().numTensors
    await on('wasm', () => {
      const x = T([2, 8, 8, 4], 1)
      const w = T([3, 3, 4, 1], 2)
      const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same').sum(),
      )([x, w])
      const gp = tf.grad((a: tf.Tensor) => tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid').sum())(x)
      return [
        gx!,
        gw!,
        gp,
        tf.matMul(T([4, 3], 3), T([4, 5], 4), true, false),
        tf.matMul(T([2, 16], 5), T([64, 16], 6), false, true),
        tf.sum(T([3, 5, 8], 7), [0, 1]),
        tf.tile(T([1, 1, 4], 8), [2, 3, 1]),
      ]
    })
    expect(tf.memory().numTensors).toBe(before)
  })
})
