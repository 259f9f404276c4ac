import type * as tf from '@tensorflow/tfjs'

/**
 * Smaller weights in TF.js's own quantized format, so stock `tf.loadLayersModel` / `tf.loadGraphModel`
 * read them with no code of ours: each float32 kernel is stored as float16, or as uint8 with the affine
 * `{min, scale}` per tensor that TF.js decodes as `q * scale + min` (the tensorflowjs converter's
 * `--quantize_float16` / `--quantize_uint8`). Vectors stay float32: biases and batch-norm statistics are
 * well under 1 % of the bytes, and a layers model's batch-norm variances (0.001 … 50 in one tensor) lose
 * most of their precision on one uint8 scale. Other dtypes (a graph model's int32 shapes) stay as they are.
 */

export const QUANTIZE_DTYPES = ['float16', 'uint8'] as const
export type QuantizeDtype = (typeof QUANTIZE_DTYPES)[number]

export interface QuantizedWeights {
  specs: tf.io.WeightsManifestEntry[]
  data: Uint8Array
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1 }

/** The weights of one model (its manifest entries and their bytes, in manifest order) quantized to `dtype`. */
export function quantizeWeights(
  specs: tf.io.WeightsManifestEntry[],
  data: Uint8Array,
  dtype: QuantizeDtype,
): QuantizedWeights {
  const out: Uint8Array[] = []
  const outSpecs: tf.io.WeightsManifestEntry[] = []
  let offset = 0
  for (const spec of specs) {
    const count = spec.shape.reduce((a, b) => a * b, 1)
    const size = count * (spec.quantization ? quantizedBytes(spec.quantization.dtype) : bytesOf(spec))
    const bytes = data.subarray(offset, offset + size)
    offset += size
    if (spec.dtype !== 'float32' || spec.quantization || spec.shape.length < 2) {
      // Already quantized, not a float, or a vector (bias, batch-norm statistics): copied unchanged.
      out.push(bytes)
      outSpecs.push(spec)
      continue
    }
    const values = new Float32Array(bytes.slice().buffer)
    if (dtype === 'float16') {
      out.push(new Uint8Array(toFloat16(values).buffer))
      outSpecs.push({ ...spec, quantization: { dtype: 'float16' } })
    } else {
      const { q, min, scale } = toUint8(values)
      out.push(q)
      outSpecs.push({ ...spec, quantization: { dtype: 'uint8', min, scale } })
    }
  }
  if (offset !== data.byteLength)
    throw new Error(`the weights manifest names ${offset} bytes but the weights hold ${data.byteLength}`)
  return { specs: outSpecs, data: concat(out) }
}

function bytesOf(spec: tf.io.WeightsManifestEntry): number {
  const b = BYTES[spec.dtype]
  if (b === undefined) throw new Error(`weight ${spec.name} has dtype ${spec.dtype}, which cannot be quantized`)
  return b
}

function quantizedBytes(dtype: 'uint8' | 'uint16' | 'float16'): number {
  return dtype === 'uint8' ? 1 : 2
}

/**
 * Affine uint8 over the tensor's range widened to include 0, with min nudged onto the grid so that 0
 * is exactly representable (zero biases and padding stay exactly zero, as the converter does).
 */
export function toUint8(values: Float32Array): { q: Uint8Array; min: number; scale: number } {
  let lo = 0
  let hi = 0
  for (const v of values) {
    if (v < lo) lo = v
    if (v > hi) hi = v
  }
  if (hi === lo) return { q: new Uint8Array(values.length), min: 0, scale: 1 }
  const scale = (hi - lo) / 255
  const zero = Math.round(-lo / scale)
  const min = -zero * scale
  const q = new Uint8Array(values.length)
  for (let i = 0; i < values.length; i++) q[i] = Math.min(255, Math.max(0, Math.round((values[i]! - min) / scale)))
  return { q, min, scale }
}

const f32 = new Float32Array(1)
const u32 = new Uint32Array(f32.buffer)

/** IEEE 754 half precision, rounded to nearest even; overflow gives ±Infinity, tiny values subnormals or 0. */
export function toFloat16(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length)
  for (let i = 0; i < values.length; i++) {
    f32[0] = values[i]!
    const x = u32[0]!
    const sign = (x >>> 16) & 0x8000
    const exp = (x >>> 23) & 0xff
    let mant = x & 0x7fffff
    if (exp === 0xff) {
      out[i] = sign | 0x7c00 | (mant ? 0x200 : 0)
      continue
    }
    let e = exp - 127 + 15
    if (e >= 0x1f) {
      out[i] = sign | 0x7c00
      continue
    }
    if (e <= 0) {
      if (e < -10) {
        out[i] = sign
        continue
      }
      // Subnormal: the implicit 1 joins the mantissa, shifted right by 1 - e more places.
      mant |= 0x800000
      const shift = 14 - e
      const half = mant >>> shift
      const rest = mant & ((1 << shift) - 1)
      const mid = 1 << (shift - 1)
      out[i] = sign | (half + (rest > mid || (rest === mid && half & 1) ? 1 : 0))
      continue
    }
    let half = mant >>> 13
    const rest = mant & 0x1fff
    if (rest > 0x1000 || (rest === 0x1000 && half & 1)) {
      half++
      if (half === 0x400) {
        half = 0
        e++
      }
    }
    out[i] = e >= 0x1f ? sign | 0x7c00 : sign | (e << 10) | half
  }
  return out
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.byteLength
  }
  return out
}
