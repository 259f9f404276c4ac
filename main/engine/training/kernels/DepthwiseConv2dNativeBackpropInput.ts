import * as tf from '@tensorflow/tfjs'
import { depthwiseInfo, forEachTap } from './depthwise-taps'
import { type Info, type KernelArgs, type Shape4, wasmKernel } from './wasm-kernel'

type Args = KernelArgs<'dy' | 'filter', tf.DepthwiseConv2dNativeBackpropInputAttrs>

/**
 * dx[b, r, q, c] = Σ_{fh, fw, m} dy[b, oh, ow, c·M + m] · w[fh, fw, c, m] over the outputs (oh, ow)
 * that read (r, q). Missing in wasm; MobileNet fine-tuning needs it.
 */
function depthwiseConv2dNativeBackpropInput({ inputs, backend, attrs }: Args): Info {
  const { dy, filter } = inputs
  const inputShape = attrs.inputShape
  const info = depthwiseInfo(inputShape, filter.shape as Shape4, attrs)
  const C = inputShape[3]
  const M = info.outChannels / info.inChannels
  const acc = new Float64Array(inputShape.reduce((p, d) => p * d, 1))
  const out = backend.makeOutput(inputShape, 'float32')
  const g = backend.typedArrayFromHeap(dy)
  const w = backend.typedArrayFromHeap(filter)
  forEachTap(info, inputShape, (gBase, xBase, wBase) => {
    if (M === 1) {
      for (let c = 0; c < C; c++) acc[xBase + c]! += g[gBase + c]! * w[wBase + c]!
      return
    }
    for (let c = 0; c < C; c++) {
      let sum = 0
      for (let m = 0; m < M; m++) sum += g[gBase + c * M + m]! * w[wBase + c * M + m]!
      acc[xBase + c]! += sum
    }
  })
  backend.typedArrayFromHeap(out).set(acc)
  return out
}

export const depthwiseConv2dNativeBackpropInputConfig: tf.KernelConfig = {
  kernelName: 'DepthwiseConv2dNativeBackpropInput',
  backendName: 'wasm',
  kernelFunc: wasmKernel(['dy', 'filter'], depthwiseConv2dNativeBackpropInput),
}
