import * as tf from '@tensorflow/tfjs'
import { describe, expect, it } from 'vitest'
import { quantizeWeights, toFloat16, toUint8 } from '../../../main/engine/export/quantize'

// The quantized weights are read back by TF.js's own decoder (tf.io.decodeWeights), the code
// tf.loadLayersModel runs: if our encoding differed from TF.js's format these values would not come back.

function random(n: number, seed: number, spread = 1): Float32Array {
  let s = seed
  return Float32Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31
    return (s / 2 ** 31 - 0.5) * 2 * spread
  })
}

const bytes = (a: Float32Array | Int32Array) => new Uint8Array(a.buffer.slice(0))

function decoded(specs: tf.io.WeightsManifestEntry[], data: Uint8Array): Record<string, Float32Array | Int32Array> {
  const map = tf.io.decodeWeights(data.slice().buffer, specs)
  return Object.fromEntries(
    Object.entries(map).map(([k, t]) => {
      const v = t.dataSync() as Float32Array | Int32Array
      t.dispose()
      return [k, v]
    }),
  )
}

describe('quantized weights in TF.js’s own format', () => {
  const kernel = random(3 * 3 * 4 * 8, 7, 0.4)
  const bias = random(8, 9)
  const shape = Int32Array.from([1, 2, 3])
  const specs: tf.io.WeightsManifestEntry[] = [
    { name: 'conv/kernel', shape: [3, 3, 4, 8], dtype: 'float32' },
    { name: 'conv/bias', shape: [8], dtype: 'float32' },
    { name: 'shape', shape: [3], dtype: 'int32' },
  ]
  const data = new Uint8Array([...bytes(kernel), ...bytes(bias), ...bytes(shape)])

  it('uint8: kernels within half a step of the original, zero exact, vectors and int32 untouched', () => {
    const q = quantizeWeights(specs, data, 'uint8')
    expect(q.specs[0]!.quantization).toMatchObject({ dtype: 'uint8' })
    expect(q.specs[1]!.quantization).toBeUndefined()
    expect(q.specs[2]).toEqual(specs[2])
    expect(q.data.byteLength).toBe(kernel.length + 4 * bias.length + 4 * shape.length)
    const back = decoded(q.specs, q.data)
    const step = q.specs[0]!.quantization!.scale!
    expect(step).toBeCloseTo(0.8 / 255, 2)
    kernel.forEach((v, i) => expect(Math.abs(back['conv/kernel']![i]! - v)).toBeLessThanOrEqual(step / 2 + 1e-7))
    expect(Array.from(back['conv/bias']!)).toEqual(Array.from(bias))
    expect(Array.from(back['shape']!)).toEqual([1, 2, 3])
    const { q: z, min, scale } = toUint8(Float32Array.from([-0.3, 0, 0.7]))
    expect(z[1]! * scale + min).toBe(0)
  })

  it('float16: kernels within float16 precision (2⁻¹¹ relative), half the bytes', () => {
    const q = quantizeWeights(specs, data, 'float16')
    expect(q.specs[0]!.quantization).toEqual({ dtype: 'float16' })
    expect(q.data.byteLength).toBe(2 * kernel.length + 4 * bias.length + 4 * shape.length)
    const back = decoded(q.specs, q.data)
    kernel.forEach((v, i) => expect(Math.abs(back['conv/kernel']![i]! - v)).toBeLessThanOrEqual(Math.abs(v) / 2048))
  })

  it('float16 bit patterns: rounding to nearest even, subnormals, overflow and specials', () => {
    const cases: [number, number][] = [
      [1, 0x3c00],
      [-2, 0xc000],
      [0.1, 0x2e66],
      [65504, 0x7bff],
      [65520, 0x7c00], // rounds up past the largest half: Infinity
      [1e6, 0x7c00],
      [2 ** -24, 0x0001], // smallest subnormal
      [2 ** -26, 0x0000],
      [6.097555e-5, 0x03ff], // largest subnormal
      [1 + 2 ** -11, 0x3c00], // a tie rounds to the even mantissa
      [1 + 3 * 2 ** -11, 0x3c02],
      [-Infinity, 0xfc00],
    ]
    const out = toFloat16(Float32Array.from(cases.map((c) => c[0])))
    expect(Array.from(out)).toEqual(cases.map((c) => c[1]))
    expect(toFloat16(Float32Array.from([NaN]))[0]! & 0x7fff).toBeGreaterThan(0x7c00)
  })

  it('refuses weights whose bytes do not match the manifest', () => {
    expect(() => quantizeWeights(specs, data.subarray(4), 'uint8')).toThrow(/names \d+ bytes but the weights hold/)
  })
})
