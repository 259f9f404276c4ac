import * as tf from '@tensorflow/tfjs'
import type { Shape4 } from './wasm-kernel'

/** The attributes both depthwise-convolution gradients share. */
type DepthwiseGradAttrs = Omit<tf.DepthwiseConv2dNativeBackpropFilterAttrs, 'filterShape'>

export function depthwiseInfo(xShape: Shape4, filterShape: Shape4, a: DepthwiseGradAttrs): tf.backend_util.Conv2DInfo {
  const { strides, dilations, pad, dimRoundingMode } = a
  const info = tf.backend_util.computeConv2DInfo(xShape, filterShape, strides, dilations, pad, dimRoundingMode, true)
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1) {
    throw new Error('depthwise convolution gradients support dilation 1 only (as TensorFlow.js does)')
  }
  return info
}

/**
 * Every tap of a depthwise convolution inside the input: for each output position (n, oh, ow) and
 * filter position (fh, fw) that reads a row and column inside [H, W], `visit` gets the offsets of
 * dy[n, oh, ow, 0], x[n, r, q, 0] and w[fh, fw, 0, 0] (channels innermost, multiplier M per channel).
 * Plain loops over the heap: depthwise convolutions have few multiply-adds per output, so memory
 * traffic, not arithmetic, dominates.
 */
export function forEachTap(
  info: tf.backend_util.Conv2DInfo,
  [B, H, W, C]: Shape4,
  visit: (gBase: number, xBase: number, wBase: number) => void,
): void {
  const { outHeight: OH, outWidth: OW, strideHeight: sh, strideWidth: sw, filterHeight: FH, filterWidth: FW } = info
  const M = info.outChannels / info.inChannels
  const { top, left } = info.padInfo
  for (let n = 0; n < B; n++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const gBase = ((n * OH + oh) * OW + ow) * C * M
        for (let fh = 0; fh < FH; fh++) {
          const r = oh * sh - top + fh
          if (r < 0 || r >= H) continue
          for (let fw = 0; fw < FW; fw++) {
            const q = ow * sw - left + fw
            if (q < 0 || q >= W) continue
            visit(gBase, ((n * H + r) * W + q) * C, (fh * FW + fw) * C * M)
          }
        }
      }
    }
  }
}
