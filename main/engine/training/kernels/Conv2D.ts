import * as tf from '@tensorflow/tfjs'
import { heapKernels } from '../simd'
import {
  heapOffset,
  padNhwc,
  type Info,
  type KernelArgs,
  kernelOptions,
  type KernelOverride,
  type KernelResult,
  type RawKernelArgs,
  type Shape4,
  temporaries,
  wasmKernel,
} from './wasm-kernel'

type Args = KernelArgs<'x' | 'filter', tf.Conv2DAttrs>

/**
 * Conv2D as a SIMD GEMM read straight from x (simd/heap-kernels.wat conv_forward) for the seed
 * CNN's convolutions after the first: stride 1, a filter larger than 1×1, filters in groups of 8,
 * at least 8 input channels (the kernel takes any number). Faster than the backend's at those shapes (bench/conv-grads.ts); everything else —
 * pointwise and strided convolutions, the backbones' — keeps the backend's kernel. 'same' padding
 * pads x first.
 */
function conv2D(original: tf.KernelFunc) {
  return ({ inputs, backend, attrs }: Args, raw: RawKernelArgs): KernelResult => {
    const { x, filter } = inputs
    const { strides, pad, dataFormat, dilations, dimRoundingMode } = attrs
    const simd = heapKernels(backend)
    if (!simd || !kernelOptions.directConvolutions || dataFormat === 'NCHW' || x.dtype !== 'float32') {
      return original(raw)
    }
    const [KH, KW, Cin, Cout] = filter.shape as Shape4
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as Shape4,
      [KH, KW, Cin, Cout],
      strides,
      dilations,
      pad,
      dimRoundingMode,
    )
    const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info
    // A first layer (3 input channels) ran as fast or faster on the backend.
    const simple = sh === 1 && sw === 1 && dh === 1 && dw === 1
    if (!simple || KH * KW === 1 || Cin < 8 || Cout % 8 !== 0) return original(raw)
    const { batchSize: B, inHeight: H, inWidth: W, outHeight: OH, outWidth: OW } = info
    if (!OH || !OW) return original(raw)
    const { top, left } = info.padInfo
    const bottom = Math.max(0, OH + KH - 1 - H - top)
    const right = Math.max(0, OW + KW - 1 - W - left)
    const temps = temporaries(backend)
    try {
      const padded = padNhwc(backend, temps, x, [top, bottom, left, right])
      const [, PH, PW] = padded.shape as Shape4
      const out = backend.makeOutput([B, OH, OW, Cout], 'float32')
      const at = (t: Info) => heapOffset(backend, t)
      simd.conv_forward(at(padded), at(filter), at(out), B, PH, PW, Cin, OH, OW, Cout, KH, KW, sh, sw)
      return out
    } finally {
      temps.dispose()
    }
  }
}

export const conv2DConfig: KernelOverride = {
  kernelName: 'Conv2D',
  replace: (original) => wasmKernel(['x', 'filter'], conv2D(original)),
}
