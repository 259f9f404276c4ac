import { ValidationError } from '../errors'
import { checkAugmentation, type Augmentation } from './augment'

/**
 * The recipe: what a run may change about how a model trains — dropout around the seed CNN's
 * dense layer, label smoothing, the learning-rate schedule, decoupled weight decay, the seed CNN's
 * convolution padding and batch normalization (augmentation is `augment`, augment.ts); all but
 * the last keep the classic layers. Every field is stored with the
 * run's config; the defaults are "off" (today's training) unless a preset sets its own.
 */
export interface Recipe {
  /**
   * Dropout rates around the seed CNN's dense layer: `beforeDense` on the flattened features, `afterDense`
   * on its 512 outputs, each 0 ≤ rate < 1 (0 = no layer). Presets without the 'dropout' field take 0.
   */
  dropout: { beforeDense: number; afterDense: number }
  /** Label smoothing ε: the loss's targets are (1 − ε)·one-hot + ε/classes. 0 ≤ ε < 1; 0 = off. */
  labelSmoothing: number
  /**
   * Learning rate per step (schedule.ts): constant; cosine (from the rate down to 0 over the run);
   * onecycle (rate/25 up to the rate, then down to rate/250 000, cosine both ways). Default constant.
   */
  schedule: Schedule
  /**
   * Linear warm-up at the start, epochs (fractions allowed): constant and cosine ramp up from
   * ~0 to the rate over it; onecycle rises over it (0: the first 30 % of the steps). Default 0.
   */
  warmupEpochs: number
  /**
   * Decoupled weight decay (AdamW; SGD and RMSProp alike): every step, before the optimizer's own
   * update, every kernel (not biases) shrinks by lr·weightDecay of itself, lr being the step's
   * scheduled rate; the decay never enters the gradient moments. 0 ≤ wd ≤ 1; 0 = off.
   */
  weightDecay: number
  /**
   * How many of the seed CNN's three convolutions, counted from the last, zero-pad their input
   * ('same' padding: the map keeps its side) instead of shrinking it by 2 px ('valid', the classic
   * layers). 0 = all valid, 2 = the second and third padded, 3 = all; 0 to 3. Small inputs end on
   * a finer grid into the dense layer with it (28 px: 1×1 with none, 3×3 with two). Presets
   * without the 'padding' field take 0.
   */
  samePadding: number
  /**
   * Batch normalization after each of the seed CNN's three poolings (learned scale and offset,
   * moving mean and variance with momentum 0.99, ε 0.001): three layers the classic pipeline does
   * not have. false = the classic layers. Presets without the 'batchNorm' field take false.
   */
  batchNorm: boolean
}

export const SCHEDULES = ['constant', 'cosine', 'onecycle'] as const
export type Schedule = (typeof SCHEDULES)[number]

/** Today's training: nothing added. The value of every recipe field a stored config lacks. */
export const RECIPE_OFF: Recipe = {
  dropout: { beforeDense: 0, afterDense: 0 },
  labelSmoothing: 0,
  schedule: 'constant',
  warmupEpochs: 0,
  weightDecay: 0,
  samePadding: 0,
  batchNorm: false,
}

/** The recipe fields of `c` over `d` (each field whole: dropout's two rates go together). */
export function recipeWith(c: Partial<Recipe>, d: Recipe): Recipe {
  return {
    dropout: c.dropout ? { ...c.dropout } : { ...d.dropout },
    labelSmoothing: c.labelSmoothing ?? d.labelSmoothing,
    schedule: c.schedule ?? d.schedule,
    warmupEpochs: c.warmupEpochs ?? d.warmupEpochs,
    weightDecay: c.weightDecay ?? d.weightDecay,
    samePadding: c.samePadding ?? d.samePadding,
    batchNorm: c.batchNorm ?? d.batchNorm,
  }
}

/**
 * A stored config as the trainer reads it: configs of runs from before the recipe lack its
 * fields, and resuming one must go on training the way it started (RECIPE_OFF).
 */
export function storedConfig<T extends object>(c: T & Partial<Recipe>): T & Recipe {
  return { ...c, ...recipeWith(c, RECIPE_OFF) }
}

/**
 * Checks a complete config's recipe and augmentation; messages name the field. `fields` are the
 * preset's (dropout needs 'dropout'; samePadding needs 'padding'; batchNorm needs 'batchNorm';
 * augmentation needs 'augment').
 */
export function checkRecipe(
  c: Recipe & { epochs: number; inputSize: number; augment: Augmentation | null; preset: string },
  fields: readonly string[],
): void {
  const rate = (name: string, v: unknown, hi: number, below: boolean) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (below ? v >= hi : v > hi))
      throw new ValidationError(`${name} must be a number from 0 to ${below ? 'below ' : ''}${hi} (got ${String(v)})`)
  }
  if (typeof c.dropout !== 'object' || c.dropout === null)
    throw new ValidationError('dropout must be {beforeDense, afterDense}')
  rate('dropout.beforeDense', c.dropout.beforeDense, 1, true)
  rate('dropout.afterDense', c.dropout.afterDense, 1, true)
  if ((c.dropout.beforeDense || c.dropout.afterDense) && !fields.includes('dropout'))
    throw new ValidationError(`dropout: the ${c.preset} preset has no dropout to set`)
  rate('labelSmoothing', c.labelSmoothing, 1, true)
  if (!(SCHEDULES as readonly string[]).includes(c.schedule))
    throw new ValidationError(`schedule must be ${SCHEDULES.join(', ')} (got ${JSON.stringify(c.schedule)})`)
  rate('warmupEpochs', c.warmupEpochs, c.epochs, false)
  rate('weightDecay', c.weightDecay, 1, false)
  const p = c.samePadding
  if (typeof p !== 'number' || !Number.isInteger(p) || p < 0 || p > 3)
    throw new ValidationError(`samePadding must be a whole number from 0 to 3 (got ${String(p)})`)
  if (p > 0 && !fields.includes('padding'))
    throw new ValidationError(`samePadding: the ${c.preset} preset has no convolutions of its own to pad`)
  if (typeof c.batchNorm !== 'boolean')
    throw new ValidationError(`batchNorm must be true or false (got ${JSON.stringify(c.batchNorm)})`)
  if (c.batchNorm && !fields.includes('batchNorm'))
    throw new ValidationError(`batchNorm: the ${c.preset} preset has no convolutions of its own to normalize`)
  if (c.augment) {
    if (!fields.includes('augment'))
      throw new ValidationError(`augment: the ${c.preset} preset trains on cached features, which are not augmented`)
    checkAugmentation(c.augment, c.inputSize)
  }
}
