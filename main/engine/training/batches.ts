import * as tf from '@tensorflow/tfjs'
import { augmentInto, type Augmentation } from './augment'
import type { PixelSet } from './pixels'
import { scale, type Scaling } from './presets/scaling'

/**
 * Builds one batch as float32 tensors from the uint8 pixel set: only `batchSize` images are ever
 * float32 at once. With `augment`, each image is transformed on its uint8 copy first.
 */
export function makeBatch(
  set: PixelSet,
  indices: ArrayLike<number>,
  numClasses: number,
  scaling: Scaling,
  augment: Augmentation | null = null,
  random: () => number = Math.random,
): { xs: tf.Tensor4D; ys: tf.Tensor2D } {
  const labels = Int32Array.from({ length: indices.length }, (_, k) => set.labels[indices[k]!]!)
  const xs = makeInputs(set, indices, scaling, augment, random)
  return { xs, ys: tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), numClasses).toFloat() as tf.Tensor2D) }
}

/** The scaled float32 input tensor of some rows of a pixel set. */
export function makeInputs(
  set: PixelSet,
  indices: ArrayLike<number>,
  scaling: Scaling,
  augment: Augmentation | null = null,
  random: () => number = Math.random,
): tf.Tensor4D {
  const s = set.spec.size
  const per = s * s * 3
  const buf = new Uint8Array(indices.length * per)
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!
    const src = set.row(i)
    const dst = buf.subarray(k * per, (k + 1) * per)
    if (augment) augmentInto(src, dst, s, augment, random)
    else dst.set(src)
  }
  return tf.tidy(() => scale(tf.tensor4d(buf, [indices.length, s, s, 3], 'int32'), scaling) as tf.Tensor4D)
}
