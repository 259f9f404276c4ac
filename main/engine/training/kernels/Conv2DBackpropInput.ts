import * as tf from '@tensorflow/tfjs'
import {
  type KernelArgs,
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
 * other strides keep it.
 */
function conv2DBackpropInput(original: tf.KernelFunc) {
  return ({ inputs, backend, attrs }: Args, raw: RawKernelArgs): KernelResult => {
    const { dy, filter } = inputs
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs
    const fShape = filter.shape as [number, number, number, number]
    const info = tf.backend_util.computeConv2DInfo(inputShape, fShape, strides, 1, pad, dimRoundingMode)
    if (dataFormat === 'NCHW' || info.strideHeight !== 1 || info.strideWidth !== 1) return original(raw)
    const [KH, KW] = fShape
    const [, H, W] = inputShape
    const top = KH - 1 - info.padInfo.top
    const left = KW - 1 - info.padInfo.left
    const bottom = H + KH - 1 - info.outHeight - top
    const right = W + KW - 1 - info.outWidth - left
    if (top < 0 || left < 0 || bottom < 0 || right < 0) return original(raw)
    const temps = temporaries(backend)
    try {
      const paddings = [
        [0, 0],
        [top, bottom],
        [left, right],
        [0, 0],
      ]
      const padded =
        top || left || bottom || right
          ? temps.keep(run('PadV2', backend, { x: dy }, { paddings, constantValue: 0 }))
          : dy
      const flipped = temps.keep(run('Reverse', backend, { x: filter }, { dims: [0, 1] }))
      const swapped = temps.keep(run('Transpose', backend, { x: flipped }, { perm: [0, 1, 3, 2] }))
      const convAttrs = { strides: [1, 1], pad: 'valid', dilations: [1, 1], dataFormat: 'NHWC' }
      return run('Conv2D', backend, { x: padded, filter: swapped }, convAttrs)
    } finally {
      temps.dispose()
    }
  }
}

export const conv2DBackpropInputConfig: KernelOverride = {
  kernelName: 'Conv2DBackpropInput',
  replace: (original) => wasmKernel(['dy', 'filter'], conv2DBackpropInput(original)),
}
