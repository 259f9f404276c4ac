import * as tf from '@tensorflow/tfjs'
import { type HeapKernels, heapKernels } from '../simd'
import {
  type HeapBackend,
  heapOffset,
  padNhwc,
  type Info,
  type KernelArgs,
  kernelOptions,
  type KernelOverride,
  type KernelResult,
  type RawKernelArgs,
  run,
  temporaries,
  wasmKernel,
} from './wasm-kernel'

type Args = KernelArgs<'dy' | 'filter', tf.Conv2DBackpropInputAttrs>

/**
 * Conv2DBackpropInput for stride 1, dilation 1: dx = valid convolution of dy, zero-padded by
 * (K−1−pad) before and enough after, with the filter flipped in space and its in/out channels swapped.
 * The backend's own input gradient is 7–10× slower than its forward convolution (shared/notes);
 * other strides keep it. Input channels in groups of 8 take the SIMD kernel instead (`scattered`),
 * any stride.
 */
function conv2DBackpropInput(original: tf.KernelFunc) {
  return ({ inputs, backend, attrs }: Args, raw: RawKernelArgs): KernelResult => {
    const { dy, filter } = inputs
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs
    const fShape = filter.shape as [number, number, number, number]
    const info = tf.backend_util.computeConv2DInfo(inputShape, fShape, strides, 1, pad, dimRoundingMode)
    if (dataFormat === 'NCHW') return original(raw)
    const simd = heapKernels(backend)
    if (simd && kernelOptions.directConvolutions && fShape[2] % 8 === 0 && dy.dtype === 'float32') {
      return scattered(simd, dy, filter, info, backend)
    }
    if (info.strideHeight !== 1 || info.strideWidth !== 1) return original(raw)
    const [KH, KW] = fShape
    const [, H, W] = inputShape
    const top = KH - 1 - info.padInfo.top
    const left = KW - 1 - info.padInfo.left
    const bottom = H + KH - 1 - info.outHeight - top
    const right = W + KW - 1 - info.outWidth - left
    if (top < 0 || left < 0 || bottom < 0 || right < 0) return original(raw)
    const temps = temporaries(backend)
    try {
      const padded = padNhwc(backend, temps, dy, [top, bottom, left, right])
      const flipped = temps.keep(run('Reverse', backend, { x: filter }, { dims: [0, 1] }))
      const swapped = temps.keep(run('Transpose', backend, { x: flipped }, { perm: [0, 1, 3, 2] }))
      const convAttrs = { strides: [1, 1], pad: 'valid', dilations: [1, 1], dataFormat: 'NHWC' }
      return run('Conv2D', backend, { x: padded, filter: swapped }, convAttrs)
    } finally {
      temps.dispose()
    }
  }
}

/**
 * dx as a GEMM scattered into place (col2im without the columns): every output position adds
 * dy[p, :] · W[kh, kw]ᵀ into dx at each of its taps, in one SIMD pass. No padded copy of dy, so no
 * multiply-adds on its zeros (2.25× the work for a 4×4 output of a 3×3 filter); any stride. The
 * kernel writes a dx large enough for every tap; padding is cropped off.
 */
function scattered(
  simd: HeapKernels,
  dy: Info,
  filter: Info,
  info: tf.backend_util.Conv2DInfo,
  backend: HeapBackend,
): Info {
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: Cin, outHeight: OH, outWidth: OW } = info
  const { outChannels: Cout, filterHeight: KH, filterWidth: KW, strideHeight: sh, strideWidth: sw } = info
  const { top, left } = info.padInfo
  const Hp = Math.max((OH - 1) * sh + KH, H + top)
  const Wp = Math.max((OW - 1) * sw + KW, W + left)
  const temps = temporaries(backend)
  try {
    const wt = temps.keep(run('Transpose', backend, { x: filter }, { perm: [0, 1, 3, 2] }))
    const full = Hp === H && Wp === W && !top && !left
    const dx = backend.makeOutput([B, Hp, Wp, Cin], 'float32')
    if (!full) temps.keep(dx)
    const at = (t: Info) => heapOffset(backend, t)
    simd.conv_input_grad(at(dy), at(wt), at(dx), B, OH, OW, Cout, Hp, Wp, Cin, KH, KW, sh, sw)
    if (full) return dx
    return run('Slice', backend, { x: dx }, { begin: [0, top, left, 0], size: [B, H, W, Cin] })
  } finally {
    temps.dispose()
  }
}

export const conv2DBackpropInputConfig: KernelOverride = {
  kernelName: 'Conv2DBackpropInput',
  replace: (original) => wasmKernel(['dy', 'filter'], conv2DBackpropInput(original)),
}
