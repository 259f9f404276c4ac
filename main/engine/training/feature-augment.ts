import { createHash } from 'node:crypto'
import * as tf from '@tensorflow/tfjs'
import { mixSeed, rng } from '../random'
import type { PixelSet } from './pixels'
import type { FeatureAugment } from './feature-augment-config'
import { scale, type Scaling } from './presets/scaling'

// The settings and their checks live apart from TF.js (feature-augment-config.ts): config checks load them without it.
export {
  checkFeatureAugment,
  FEATURE_AUGMENT_OFF,
  featureAugmentWith,
  MAX_COPIES,
  type FeatureAugment,
} from './feature-augment-config'

/** One copy's draws: crop box (normalised y1, x1, y2, x2; x1 > x2 mirrors), brightness, contrast, saturation. */
export interface CopyDraw {
  box: [number, number, number, number]
  brightness: number
  contrast: number
  saturation: number
}

/** The draws of copy `copy` (1-based) of the image with content hash `hash`. */
export function drawCopy(a: FeatureAugment, seed: number, hash: string, copy: number): CopyDraw {
  const random = rng(mixSeed(mixSeed(seed, parseInt(hash.slice(0, 8), 16) || 0), copy))
  // Side drawn uniformly in area between minCrop² and 1, the position uniform where it fits.
  const side = Math.sqrt(a.minCrop ** 2 + random() * (1 - a.minCrop ** 2))
  const y1 = random() * (1 - side)
  const x1 = random() * (1 - side)
  const flip = a.flip && random() < 0.5
  const jitter = () => 1 + (random() * 2 - 1) * a.color
  const brightness = (random() * 2 - 1) * a.color
  const contrast = jitter()
  const saturation = jitter()
  const box: CopyDraw['box'] = flip ? [y1, x1 + side, y1 + side, x1] : [y1, x1, y1 + side, x1 + side]
  return { box, brightness, contrast, saturation }
}

/**
 * The scaled input tensor of some rows of a pixel set, each as its draw makes it: cropped and
 * resized back (bilinear), mirrored, then colour changed on 0–255 values and clipped, then scaled.
 */
export function augmentedInputs(set: PixelSet, rows: number[], draws: CopyDraw[], scaling: Scaling): tf.Tensor4D {
  const s = set.spec.size
  const per = s * s * 3
  const buf = new Uint8Array(rows.length * per)
  rows.forEach((i, k) => buf.set(set.row(i), k * per))
  return augmentedBatch(buf, rows.length, s, draws, scaling)
}

/** augmentedInputs of a batch already gathered into one buffer (n images of s × s × 3 bytes). */
export function augmentedBatch(
  buf: Uint8Array,
  n: number,
  s: number,
  draws: CopyDraw[],
  scaling: Scaling,
): tf.Tensor4D {
  return tf.tidy(() => {
    const x = tf.tensor4d(buf, [n, s, s, 3], 'int32').toFloat()
    const boxes = tf.tensor2d(
      draws.flatMap((d) => d.box),
      [draws.length, 4],
    )
    const cropped = tf.image.cropAndResize(x, boxes, tf.range(0, n, 1, 'int32') as tf.Tensor1D, [s, s])
    const col = (f: (d: CopyDraw) => number) => tf.tensor4d(draws.map(f), [draws.length, 1, 1, 1])
    const grey = cropped.mean(3, true)
    const saturated = grey.add(cropped.sub(grey).mul(col((d) => d.saturation)))
    const mean = saturated.mean([1, 2, 3], true)
    const changed = saturated
      .sub(mean)
      .mul(col((d) => d.contrast))
      .add(mean)
      .add(col((d) => d.brightness * 255))
      .clipByValue(0, 255)
    return scale(changed, scaling) as tf.Tensor4D
  })
}

/** Name of the cache folder for one augmentation and seed (copies are files in it, numbered). */
export function augmentKey(a: FeatureAugment, seed: number): string {
  const { flip, minCrop, color } = a
  const h = createHash('sha256')
    .update(JSON.stringify({ v: 1, flip, minCrop, color, seed }))
    .digest('hex')
  return `aug-${h.slice(0, 12)}`
}
