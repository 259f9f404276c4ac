import { createHash } from 'node:crypto'
import * as tf from '@tensorflow/tfjs'
import { ValidationError } from '../errors'
import { mixSeed, rng } from '../random'
import type { PixelSet } from './pixels'
import { scale, type Scaling } from './presets/scaling'

/**
 * Augmentation on the transfer preset's feature path: `copies` augmented versions of each training
 * image (random crop, mirror, small colour change), each run through the backbone once and its
 * features cached beside the plain ones, so the head sees variety without the backbone running
 * every epoch. Each copy is drawn from (seed, image hash, copy number) alone: the same copy of an
 * image is the same in every run with that seed, and more copies add to the ones cached.
 */
export interface FeatureAugment {
  /** Augmented copies per training image, 0 to 16; 0 = off. The head draws one version per image per epoch. */
  copies: number
  /** Mirror left–right with probability 0.5. Leave off for text and anything with a handedness. */
  flip: boolean
  /** Smallest crop side as a fraction of the image side, 0.3 to 1 (1 = no crop); the crop is resized back. */
  minCrop: number
  /** Largest brightness, contrast and saturation change, fraction 0 to 0.5 (0 = off). */
  color: number
}

export const FEATURE_AUGMENT_OFF: FeatureAugment = { copies: 0, flip: true, minCrop: 0.7, color: 0.1 }

export const MAX_COPIES = 16

/** The feature augmentation of `c` over `d`, each field on its own. */
export function featureAugmentWith(c: Partial<FeatureAugment> | undefined, d: FeatureAugment): FeatureAugment {
  return { ...d, ...c }
}

/** Checks a feature augmentation; the message names the field (e.g. featureAugment.minCrop). */
export function checkFeatureAugment(a: FeatureAugment, preset: string, allowed: boolean): void {
  if (typeof a !== 'object' || a === null)
    throw new ValidationError('featureAugment must be {copies, flip, minCrop, color}')
  const range = (k: keyof FeatureAugment, v: unknown, lo: number, hi: number, whole = false) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi || (whole && !Number.isInteger(v)))
      throw new ValidationError(
        `featureAugment.${k} must be a ${whole ? 'whole number' : 'number'} from ${lo} to ${hi} (got ${String(v)})`,
      )
  }
  range('copies', a.copies, 0, MAX_COPIES, true)
  if (typeof a.flip !== 'boolean')
    throw new ValidationError(`featureAugment.flip must be true or false (got ${String(a.flip)})`)
  range('minCrop', a.minCrop, 0.3, 1)
  range('color', a.color, 0, 0.5)
  if (a.copies > 0 && !allowed)
    throw new ValidationError(`featureAugment: the ${preset} preset has no cached features to augment`)
}

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
