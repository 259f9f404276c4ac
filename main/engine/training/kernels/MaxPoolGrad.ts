import * as tf from '@tensorflow/tfjs'
import { heapKernels } from '../simd'
import {
  type KernelArgs,
  type KernelOverride,
  type KernelResult,
  type RawKernelArgs,
  type Shape4,
  wasmKernel,
} from './wasm-kernel'

type Args = KernelArgs<'dy' | 'input', tf.MaxPoolGradAttrs>

/**
 * MaxPoolGrad as one pass in JavaScript over the heap: every output position sends its gradient to
 * the first maximum of its window in row-major order (padding excluded) — what the cpu backend
 * does. Both the backend's kernel and one composed from slices were an order of magnitude slower
 * (bench/RESULTS.md, "Kernel timings").
 */
function maxPoolGrad(original: tf.KernelFunc) {
  return ({ inputs, backend, attrs }: Args, raw: RawKernelArgs): KernelResult => {
    const { dy, input } = inputs
    const { filterSize, strides, pad, dimRoundingMode } = attrs
    if (input.dtype !== 'float32') return original(raw)
    const info = tf.backend_util.computePool2DInfo(input.shape as Shape4, filterSize, strides, 1, pad, dimRoundingMode)
    const [B, H, W, C] = input.shape as Shape4
    const { outHeight: OH, outWidth: OW, strideHeight: sh, strideWidth: sw } = info
    const { dilationHeight: dh, dilationWidth: dw, effectiveFilterHeight: EH, effectiveFilterWidth: EW } = info
    const top = info.padInfo.top
    const left = info.padInfo.left
    const out = backend.makeOutput([B, H, W, C], 'float32')
    // Views after the allocation (it may grow the heap and move the buffer).
    const dx = backend.typedArrayFromHeap(out)
    const x = backend.typedArrayFromHeap(input)
    const g = backend.typedArrayFromHeap(dy)
    // Non-overlapping 2×2 windows that all lie inside the input (a 'same' pool of an odd size does
    // not), channels in groups of 4: the SIMD kernel.
    const simd = C % 4 === 0 ? heapKernels(backend) : null
    const inside = top === 0 && left === 0 && 2 * OH <= H && 2 * OW <= W
    if (simd && EH === 2 && EW === 2 && sh === 2 && sw === 2 && inside) {
      // Writes every position its windows cover; an odd last row or column gets no gradient.
      if (H !== 2 * OH || W !== 2 * OW) dx.fill(0)
      simd.maxpool_grad_2x2(x.byteOffset, g.byteOffset, dx.byteOffset, B, H, W, C, OH, OW)
      return out
    }
    dx.fill(0)
    for (let n = 0; n < B; n++) {
      for (let oh = 0; oh < OH; oh++) {
        const r0 = oh * sh - top
        for (let ow = 0; ow < OW; ow++) {
          const c0 = ow * sw - left
          const gBase = ((n * OH + oh) * OW + ow) * C
          for (let c = 0; c < C; c++) {
            let best = -Infinity
            let at = -1
            for (let r = r0; r < r0 + EH; r += dh) {
              if (r < 0 || r >= H) continue
              for (let q = c0; q < c0 + EW; q += dw) {
                if (q < 0 || q >= W) continue
                const i = ((n * H + r) * W + q) * C + c
                if (x[i]! > best) {
                  best = x[i]!
                  at = i
                }
              }
            }
            if (at >= 0) dx[at]! += g[gBase + c]!
          }
        }
      }
    }
    return out
  }
}

export const maxPoolGradConfig: KernelOverride = {
  kernelName: 'MaxPoolGrad',
  replace: (original) => wasmKernel(['dy', 'input'], maxPoolGrad(original)),
}
