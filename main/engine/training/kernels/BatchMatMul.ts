import * as tf from '@tensorflow/tfjs'
import { heapKernels } from '../simd'
import {
  heapOffset,
  type Info,
  type KernelArgs,
  type KernelOverride,
  type KernelResult,
  type RawKernelArgs,
  run,
  single,
  temporaries,
  wasmKernel,
} from './wasm-kernel'

type Args = KernelArgs<'a' | 'b', tf.BatchMatMulAttrs>

/**
 * Batched matMul with transposed operands transposed up front, then the backend's fast path: a dense
 * layer's weight gradient is x^T·dy, and the backend's matMul with a transposed operand runs several
 * times slower than transposing it first (figures in bench/RESULTS.md, "Kernel timings"). When b is transposed and much
 * larger than a (a dense layer's input gradient dy·Wᵀ, W 4608×512) the product is computed as (b·aᵀ)ᵀ
 * instead: that transposes the small a and the small result, not W, and the backend packs the small
 * operand as its weights.
 */
function batchMatMul(original: tf.KernelFunc) {
  return (args: Args, raw: RawKernelArgs): KernelResult => {
    const { inputs, backend, attrs } = args
    const { transposeA, transposeB } = attrs
    if (!transposeA && !transposeB) return smallTimesLarge(args) ?? original(raw)
    let { a, b } = inputs
    const temps = temporaries(backend)
    const transposed = (t: Info) => {
      const r = t.shape.length
      const perm = [...Array(r).keys()]
      ;[perm[r - 2], perm[r - 1]] = [perm[r - 1]!, perm[r - 2]!]
      return run('Transpose', backend, { x: t }, { perm })
    }
    const swapLast = (t: Info) => temps.keep(transposed(t))
    const matMul = (x: Info, y: Info) =>
      single(original({ inputs: { a: x, b: y }, backend, attrs: { ...attrs, transposeA: false, transposeB: false } }))
    try {
      const size = (t: Info) => t.shape.reduce((p, d) => p * d, 1)
      const [m, k] = a.shape.slice(-2) as [number, number]
      const n = b.shape.at(-2)!
      // a·bᵀ = (b·aᵀ)ᵀ: moves a (m·k) and the result (m·n) instead of b (n·k). Same batch shapes only.
      if (!transposeA && transposeB && a.shape.length === b.shape.length && m * k + m * n < size(b) / 2) {
        return transposed(temps.keep(matMul(b, swapLast(a))))
      }
      if (transposeA) a = swapLast(a)
      if (transposeB) b = swapLast(b)
      return matMul(a, b)
    } finally {
      temps.dispose()
    }
  }
}

/**
 * a·b for a few rows of a (≤ 64) and a large b (a dense layer's forward pass on a batch: 16×4608 ·
 * 4608×512) with the SIMD kernel: the backend repacks all of b first, every step, since the
 * weights change. null: not such a product.
 */
function smallTimesLarge({ inputs, backend }: Args): Info | null {
  const { a, b } = inputs
  const simd = heapKernels(backend)
  if (!simd || a.dtype !== 'float32' || b.dtype !== 'float32') return null
  const [M, K] = a.shape.slice(-2) as [number, number]
  const N = b.shape.at(-1)!
  // One matrix each (leading dimensions 1), the kernel's column blocking, and a b worth skipping the packing for.
  if (a.shape.length !== b.shape.length || [...a.shape.slice(0, -2), ...b.shape.slice(0, -2)].some((d) => d !== 1)) {
    return null
  }
  if (M > 64 || N % 8 !== 0 || K * N < 65536) return null
  const out = backend.makeOutput([...a.shape.slice(0, -2), M, N], 'float32')
  simd.matmul_small_m(heapOffset(backend, a), heapOffset(backend, b), heapOffset(backend, out), M, K, N)
  return out
}

export const batchMatMulConfig: KernelOverride = {
  kernelName: 'BatchMatMul',
  replace: (original) => wasmKernel(['a', 'b'], batchMatMul(original)),
}
