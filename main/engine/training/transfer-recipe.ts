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
  /**
   * Heads trained on the same features from different seeds, each stopped at its own best val
   * epoch, their weights then averaged into the one head the model keeps (the head is linear, so
   * that is the average of their logits). 1 to 10; 1 = one head. Default 5 where fine-tuning is
   * off (bench/RESULTS.md: on hymenoptera the spread between seeds narrows and val accuracy
   * rises), else 1: fine-tuning trains the backbone's tail with one head.
   */
  heads: number
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
  heads: 1,
}

/** Most heads a run may average. */
export const MAX_HEADS = 10

/** Heads the transfer preset averages where fine-tuning is off (see TransferRecipe.heads). */
export const HEADS_AVERAGED = 5

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
  heads: HEADS_AVERAGED,
}

/** The transfer recipe of `c` over `d`, each field of each part on its own. */
export function transferRecipeWith(c: Partial<TransferRecipe>, d: TransferRecipe): TransferRecipe {
  return {
    featureAugment: { ...d.featureAugment, ...c.featureAugment },
    fineTune: { ...d.fineTune, ...c.fineTune },
    classScores: c.classScores ?? d.classScores,
    heads: c.heads ?? d.heads,
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
  whole('fineTune.blocks', f.blocks, 0, MAX_FINE_TUNE_BLOCKS)
  whole('fineTune.epochs', f.epochs, 1, 100)
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
  whole('heads', c.heads, 1, MAX_HEADS)
  if (c.heads > 1 && !allowed)
    throw new ValidationError(`heads: the ${c.preset} preset trains no head on cached features`)
  if (c.heads > 1 && f.blocks > 0)
    throw new ValidationError('heads and fineTune cannot both be on (set heads to 1 to fine-tune)')
}

function whole(name: string, v: unknown, lo: number, hi: number): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi)
    throw new ValidationError(`${name} must be a whole number from ${lo} to ${hi} (got ${String(v)})`)
}
