import * as tf from '@tensorflow/tfjs'
import { heapKernels } from '../simd'
import {
  heapOffset,
  type KernelArgs,
  type KernelOverride,
  type KernelResult,
  type RawKernelArgs,
  wasmKernel,
} from './wasm-kernel'

/**
 * Sum over all axes but the last (float32, channels a multiple of 4) as one SIMD pass: a bias
 * gradient. The backend transposes the whole tensor first. Other sums keep the original.
 */
function sum(original: tf.KernelFunc) {
  return ({ inputs, backend, attrs }: KernelArgs<'x', tf.SumAttrs>, raw: RawKernelArgs): KernelResult => {
    const { x } = inputs
    const { axis, keepDims } = attrs
    const r = x.shape.length
    const C = x.shape[r - 1]!
    const axes = [...tf.util.parseAxisParam(axis, x.shape)].sort((a, b) => a - b)
    const simd = heapKernels(backend)
    const leading = axes.length === r - 1 && axes.every((a, i) => a === i)
    if (!simd || x.dtype !== 'float32' || r < 2 || C % 4 !== 0 || !leading) return original(raw)
    const out = backend.makeOutput(keepDims ? [...Array(r - 1).fill(1), C] : [C], 'float32')
    const tmp = backend.makeOutput([C], 'float32')
    try {
      const rows = x.shape.reduce((p, d) => p * d, 1) / C
      simd.sum_rows(heapOffset(backend, x), heapOffset(backend, out), rows, C, heapOffset(backend, tmp))
    } finally {
      backend.disposeData(tmp.dataId)
    }
    return out
  }
}

export const sumConfig: KernelOverride = {
  kernelName: 'Sum',
  replace: (original) => wasmKernel(['x'], sum(original)),
}
