import * as tf from '@tensorflow/tfjs'
import type { Augmentation } from './config'
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

/** Flip, rotate, shift (crop), brightness and contrast on one s×s×3 uint8 image, nearest-neighbour. */
export function augmentInto(src: Uint8Array, dst: Uint8Array, s: number, a: Augmentation, random: () => number): void {
  const flip = a.flip && random() < 0.5
  const angle = ((random() * 2 - 1) * a.rotate * Math.PI) / 180
  const dx = Math.round((random() * 2 - 1) * a.crop * s)
  const dy = Math.round((random() * 2 - 1) * a.crop * s)
  const gain = 1 + (random() * 2 - 1) * a.contrast
  const bias = (random() * 2 - 1) * a.brightness * 255
  const cos = Math.cos(angle)
  const sin = Math.sin(angle)
  const c = (s - 1) / 2
  for (let y = 0; y < s; y++) {
    for (let x = 0; x < s; x++) {
      // Inverse map: where in the source does this output pixel come from?
      const ox = x - c - dx
      const oy = y - c - dy
      let sx = Math.round(cos * ox + sin * oy + c)
      const sy = Math.round(-sin * ox + cos * oy + c)
      if (flip) sx = s - 1 - sx
      const o = (y * s + x) * 3
      if (sx < 0 || sy < 0 || sx >= s || sy >= s) {
        dst[o] = dst[o + 1] = dst[o + 2] = 0
        continue
      }
      const i = (sy * s + sx) * 3
      for (let ch = 0; ch < 3; ch++) {
        const v = (src[i + ch]! - 128) * gain + 128 + bias
        dst[o + ch] = v < 0 ? 0 : v > 255 ? 255 : v
      }
    }
  }
}
