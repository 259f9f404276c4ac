import { ValidationError } from '../errors'

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
