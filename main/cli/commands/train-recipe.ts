import { Option, type Command } from 'commander'
import { ValidationError } from '../../engine/errors'
import { requestedAugmentation, type Augmentation } from '../../engine/training/augment'
import type { TrainConfig } from '../../engine/training/config'
import { presets } from '../../engine/training/presets/registry'
import type { PresetSpec } from '../../engine/training/presets/types'
import { RECIPE_OFF, SCHEDULES, type Recipe, type Schedule } from '../../engine/training/recipe'

/**
 * `studio train`'s augmentation and recipe options (engine: training/augment.ts, recipe.ts). The
 * values go to the config as given; its checks refuse a bad one, naming the field.
 */
export interface RecipeCliOptions {
  augment?: boolean
  cropPad?: number
  flip?: boolean
  dropout?: string
  labelSmoothing?: number
  schedule?: string
  warmupEpochs?: number
  weightDecay?: number
  samePadding?: number
  batchNorm?: boolean
}

export function addRecipeOptions(cmd: Command): void {
  cmd
    .option('--augment', 'flip, ±10° rotation, 10 % shift, brightness and contrast jitter on training batches')
    .option(
      '--crop-pad <px>',
      'random crops with padding: pad p black pixels, crop back ' +
        `(default: ${recipeDefault((_, a) => a?.cropPad ?? 0, 'augment')})`,
      parseWhole,
    )
    // --flip before --no-flip: neither given leaves flip undefined (the preset's, or --augment's).
    .option('--flip', 'mirror training images left–right at random (not for digits, text or anything handed)')
    .option('--no-flip', 'no mirroring, also with --augment')
    .option(
      '--dropout <rate[,rate]>',
      'dropout before[,after] the dense layer, 0 ≤ rate < 1, one rate for both ' +
        `(default: ${recipeDefault((r) => `${r.dropout.beforeDense},${r.dropout.afterDense}`, 'dropout')})`,
    )
    .option(
      '--label-smoothing <eps>',
      `targets (1 − eps)·one-hot + eps/classes (default: ${recipeDefault((r) => r.labelSmoothing)})`,
      parseFloat,
    )
    .addOption(
      new Option(
        '--schedule <name>',
        `learning rate per step: constant, cosine (down to 0), onecycle (default: ${recipeDefault((r) => r.schedule)})`,
      ).choices(SCHEDULES),
    )
    .option(
      '--warmup-epochs <n>',
      `linear learning-rate warm-up, epochs, fractions allowed (default: ${recipeDefault((r) => r.warmupEpochs)})`,
      parseFloat,
    )
    .option(
      '--weight-decay <wd>',
      `decoupled (AdamW) decay: kernels shrink by lr·wd per step (default: ${recipeDefault((r) => r.weightDecay)})`,
      parseFloat,
    )
    .option(
      '--same-padding <n>',
      "seed-cnn: how many of its 3 convolutions, counted from the last, zero-pad ('same') instead of shrinking " +
        'the map by 2 px (default: the fewest that leave a 3×3 grid into the dense layer at the input size: ' +
        '2 at 28 px, 1 at 32, 0 from 38)',
      parseWhole,
    )
    // --batch-norm before --no-batch-norm: neither given leaves it undefined (the preset's).
    .option(
      '--batch-norm',
      'seed-cnn: batch normalization after each of its 3 poolings (not in the classic layers; default: off)',
    )
    .option('--no-batch-norm', 'seed-cnn: the classic layers, no batch normalization')
}

/**
 * The config fields the options set (those not given are left to the preset's defaults, so
 * `--no-flip` alone keeps the preset's crop padding). `preset`: the preset's name (default: the
 * default preset).
 */
export function recipeFrom(o: RecipeCliOptions, preset?: string): Partial<TrainConfig> {
  const c: Partial<TrainConfig> = {}
  const base = (preset === undefined ? presets.default : presets.get(preset)).defaults.augment ?? null
  const augment = requestedAugmentation({ augment: o.augment || undefined, cropPad: o.cropPad, flip: o.flip }, base)
  if (augment !== undefined) c.augment = augment
  if (o.dropout !== undefined) c.dropout = parseDropout(o.dropout)
  if (o.labelSmoothing !== undefined) c.labelSmoothing = o.labelSmoothing
  if (o.schedule !== undefined) c.schedule = o.schedule as Schedule
  if (o.warmupEpochs !== undefined) c.warmupEpochs = o.warmupEpochs
  if (o.weightDecay !== undefined) c.weightDecay = o.weightDecay
  if (o.samePadding !== undefined) c.samePadding = o.samePadding
  if (o.batchNorm !== undefined) c.batchNorm = o.batchNorm
  return c
}

/** `--dropout 0.3` (both sides of the dense layer) or `--dropout 0.25,0.5` (before, after). */
export function parseDropout(v: string): TrainConfig['dropout'] {
  const parts = v.split(',').map((x) => (x.trim() === '' ? NaN : Number(x)))
  if (parts.length > 2 || parts.some((x) => !Number.isFinite(x)))
    throw new ValidationError(`--dropout must be a rate or two rates "before,after" (got ${JSON.stringify(v)})`)
  return { beforeDense: parts[0]!, afterDense: parts[1] ?? parts[0]! }
}

/** A whole number (commander passes the text); anything else becomes NaN, which the config check refuses by name. */
function parseWhole(v: string): number {
  return /^\d+$/.test(v.trim()) ? Number(v) : NaN
}

/**
 * A recipe default as each preset sets it, e.g. "seed-cnn 0.1, transfer 0" (only presets with
 * `field`, if named), or the one value where they agree.
 */
function recipeDefault(
  value: (r: Recipe, augment: Augmentation | null | undefined) => string | number,
  field?: PresetSpec['fields'][number],
): string {
  const list = presets.list.filter((p) => !field || p.fields.includes(field))
  const values = list.map((p) => String(value({ ...RECIPE_OFF, ...p.defaults.recipe }, p.defaults.augment)))
  if (new Set(values).size === 1) return values[0]!
  return list.map((p, i) => `${p.name} ${values[i]}`).join(', ')
}
