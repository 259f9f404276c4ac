import { ValidationError } from '../errors'
import { checkFeatureAugment, FEATURE_AUGMENT_OFF, type FeatureAugment } from './feature-augment-config'

export type { FeatureAugment } from './feature-augment-config'

/**
 * What the transfer preset's recipe adds to a run's config: augmented copies on the feature path
 * (feature-augment.ts) and fine-tuning of the backbone's last stages (fine-tune.ts). Both are
 * stored with the run; a config from before them reads as both off.
 */
export interface TransferRecipe {
  /** Augmented copies per training image, extracted once and cached. Default: the preset's (transfer: measured, bench/RESULTS.md). */
  featureAugment: FeatureAugment
  /** Fine-tuning after the head has converged. Default: the preset's. */
  fineTune: FineTune
  /**
   * The backbone's own class probabilities (its ImageNet classifier, class-scores.ts) appended to
   * the pooled features at this weight; 0 = off, at most 1000. Default 30 where the backbone ships
   * a classifier and fine-tuning is off (chosen by cross-validation on hymenoptera's training
   * split, bench/RESULTS.md), else 0. The saved model computes them too.
   */
  classScores: number
}

export interface FineTune {
  /**
   * Stages of the backbone to unfreeze, counted from its end (a MobileNet depthwise-separable block
   * is one stage), 0 to 8; 0 = off. Their batch norm statistics stay frozen.
   */
  blocks: number
  /** Epochs of fine-tuning (unfrozen stages and head together), 1 to 100. */
  epochs: number
  /** Adam's learning rate while fine-tuning (lower than the head's), above 0 and at most 0.01. */
  learningRate: number
}

/** Largest number of stages fine-tuning unfreezes: their activations are held in memory per image and copy. */
export const MAX_FINE_TUNE_BLOCKS = 8

export const FINE_TUNE_OFF: FineTune = { blocks: 0, epochs: 5, learningRate: 0.0001 }

export const TRANSFER_RECIPE_OFF: TransferRecipe = {
  featureAugment: FEATURE_AUGMENT_OFF,
  fineTune: FINE_TUNE_OFF,
  classScores: 0,
}

/** The class-score weight the transfer preset uses where the backbone has a classifier (see TransferRecipe). */
export const CLASS_SCORES_WEIGHT = 30

/**
 * The transfer preset's defaults, chosen from bench:transfer's measurements (bench/RESULTS.md,
 * "Transfer recipe"): on hymenoptera neither copies nor fine-tuning raised val accuracy beyond the
 * seed-to-seed spread, and 4 copies cost 2.7× the run's CPU time, so both are off; the crop, mirror
 * and colour values are what a user who turns copies on gets. Class scores depend on the backbone:
 * the preset's installed defaults turn them on (presets/transfer.ts).
 */
export const TRANSFER_DEFAULTS: TransferRecipe = {
  featureAugment: { copies: 0, flip: true, minCrop: 0.7, color: 0.1 },
  fineTune: { blocks: 0, epochs: 5, learningRate: 0.0001 },
  classScores: 0,
}

/** The transfer recipe of `c` over `d`, each field of each part on its own. */
export function transferRecipeWith(c: Partial<TransferRecipe>, d: TransferRecipe): TransferRecipe {
  return {
    featureAugment: { ...d.featureAugment, ...c.featureAugment },
    fineTune: { ...d.fineTune, ...c.fineTune },
    classScores: c.classScores ?? d.classScores,
  }
}

/** A stored config's transfer recipe (configs from before it: off). */
export function storedTransferRecipe(c: Partial<TransferRecipe>): TransferRecipe {
  return transferRecipeWith(c, TRANSFER_RECIPE_OFF)
}

/**
 * Checks a complete config's transfer recipe; messages name the field. `allowed`: the preset has
 * cached features (only then may copies or fine-tuning be on).
 */
export function checkTransferRecipe(c: TransferRecipe & { preset: string }, allowed: boolean): void {
  checkFeatureAugment(c.featureAugment, c.preset, allowed)
  const f = c.fineTune
  if (typeof f !== 'object' || f === null) throw new ValidationError('fineTune must be {blocks, epochs, learningRate}')
  const whole = (k: keyof FineTune, v: unknown, lo: number, hi: number) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi)
      throw new ValidationError(`fineTune.${k} must be a whole number from ${lo} to ${hi} (got ${String(v)})`)
  }
  whole('blocks', f.blocks, 0, MAX_FINE_TUNE_BLOCKS)
  whole('epochs', f.epochs, 1, 100)
  if (typeof f.learningRate !== 'number' || !(f.learningRate > 0 && f.learningRate <= 0.01))
    throw new ValidationError(
      `fineTune.learningRate must be a number above 0, at most 0.01 (got ${String(f.learningRate)})`,
    )
  if (f.blocks > 0 && !allowed)
    throw new ValidationError(`fineTune: the ${c.preset} preset has no pretrained backbone to fine-tune`)
  const w = c.classScores
  if (typeof w !== 'number' || !Number.isFinite(w) || w < 0 || w > 1000)
    throw new ValidationError(`classScores must be a number from 0 (off) to 1000 (got ${String(w)})`)
  if (w > 0 && !allowed) throw new ValidationError(`classScores: the ${c.preset} preset has no pretrained backbone`)
  if (w > 0 && f.blocks > 0)
    throw new ValidationError('classScores and fineTune cannot both be on (set classScores to 0 to fine-tune)')
}
