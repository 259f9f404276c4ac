import * as tf from '@tensorflow/tfjs'
import type { Scaling } from '../../runs'

export type { Scaling }

/** The model input from uint8 pixels, as preprocessing.json's `scaling` says. */
export function scale(x: tf.Tensor, scaling: Scaling): tf.Tensor {
  return scaling === 'unit' ? x.div(255) : x.div(127.5).sub(1)
}
