import * as tf from '@tensorflow/tfjs'
import { depthwiseInfo, forEachTap } from './depthwise-taps'
import { type Info, type KernelArgs, type Shape4, wasmKernel } from './wasm-kernel'

type Args = KernelArgs<'x' | 'dy', tf.DepthwiseConv2dNativeBackpropFilterAttrs>

/**
 * dW[fh, fw, c, m] = Σ_{b, oh, ow} x[b, oh·s + fh − pad, ow·s + fw − pad, c] · dy[b, oh, ow, c·M + m].
 * Missing in wasm; MobileNet fine-tuning needs it.
 */
function depthwiseConv2dNativeBackpropFilter({ inputs, backend, attrs }: Args): Info {
  const { x, dy } = inputs
  const info = depthwiseInfo(x.shape as Shape4, attrs.filterShape, attrs)
  const C = x.shape[3]!
  const M = info.outChannels / info.inChannels
  const acc = new Float64Array(info.filterHeight * info.filterWidth * C * M)
  const out = backend.makeOutput([info.filterHeight, info.filterWidth, C, M], 'float32')
  const xv = backend.typedArrayFromHeap(x)
  const g = backend.typedArrayFromHeap(dy)
  forEachTap(info, x.shape as Shape4, (gBase, xBase, wBase) => {
    if (M === 1) {
      for (let c = 0; c < C; c++) acc[wBase + c]! += xv[xBase + c]! * g[gBase + c]!
      return
    }
    for (let c = 0; c < C; c++) {
      const v = xv[xBase + c]!
      for (let m = 0; m < M; m++) acc[wBase + c * M + m]! += v * g[gBase + c * M + m]!
    }
  })
  backend.typedArrayFromHeap(out).set(acc)
  return out
}

export const depthwiseConv2dNativeBackpropFilterConfig: tf.KernelConfig = {
  kernelName: 'DepthwiseConv2dNativeBackpropFilter',
  backendName: 'wasm',
  kernelFunc: wasmKernel(['x', 'dy'], depthwiseConv2dNativeBackpropFilter),
}
