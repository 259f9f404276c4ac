import type { PresetDto, RecipeDto, TrainRequestDto } from '../../../preload/contract'

/**
 * The Train form's Recipe group (under Advanced): dropout around the seed CNN's dense layer, crop
 * padding and the mirror (where the preset augments), the seed CNN's zero-padded convolutions and
 * batch normalization, label smoothing, the learning-rate schedule with its warm-up, and weight decay. Defaults are the
 * preset's (`PresetDto.recipe`, from the engine's registry); what each means is documented in the
 * engine (training/recipe.ts, augment.ts).
 */
export interface RecipeForm {
  /** Rates, 0 ≤ r < 1 (0: no dropout layer). */
  dropoutBefore: number
  dropoutAfter: number
  /** ε, 0 ≤ ε < 1. */
  labelSmoothing: number
  schedule: RecipeDto['schedule']
  /** Epochs, fractions allowed. */
  warmupEpochs: number
  weightDecay: number
  /** Pixels. */
  cropPad: number
  /** Mirror left–right at random: off for digits, text and anything with a handedness. */
  flip: boolean
  /**
   * How many of the seed CNN's convolutions, from the last, zero-pad their input (0–3), or 'auto':
   * nothing sent, the engine picks it by the input size (autoPadding).
   */
  samePadding: PaddingChoice
  /** Batch normalization after each of the seed CNN's three poolings (not in the classic layers). */
  batchNorm: boolean
}

export type PaddingChoice = 'auto' | 0 | 1 | 2 | 3

/** The "Zero-padded convolutions" select's explicit choices (Auto is listed first, with its number). */
export const PADDING_CHOICES: { value: Exclude<PaddingChoice, 'auto'>; label: string }[] = [
  { value: 0, label: 'None (classic, all valid)' },
  { value: 1, label: 'Last 1' },
  { value: 2, label: 'Last 2' },
  { value: 3, label: 'All 3' },
]

/**
 * The side of the grid into the seed CNN's dense layer at an input side with the last `samePadding`
 * convolutions zero-padded. Mirrors the engine's `seedCnnShape` (main/engine/training/presets/seed-cnn.ts):
 * each of the three stages shrinks the side by 2 px unless padded, then pools it to half (rounded down).
 */
export function seedCnnGrid(size: number, samePadding: number): number {
  let side = size
  for (let i = 0; i < 3; i++) {
    if (i < 3 - samePadding) side -= 2
    side = Math.floor(side / 2)
  }
  return side
}

/**
 * What the engine picks when a request leaves `samePadding` out: the fewest convolutions, from the
 * last, to pad so the grid is at least 3×3 (3 where none is enough). Mirrors the engine's
 * `gridPadding` and its MIN_GRID (main/engine/training/presets/seed-cnn.ts).
 */
export function autoPadding(size: number): number {
  for (let n = 0; n < 3; n++) if (seedCnnGrid(size, n) >= 3) return n
  return 3
}

const isSize = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0

/** The select's Auto option: "Auto — by input size (2 now)", the number left out while the size is no size. */
export function autoPaddingLabel(inputSize: number): string {
  return `Auto — by input size${isSize(inputSize) ? ` (${autoPadding(inputSize)} now)` : ''}`
}

/** The help line under the select: what the choice leaves at the form's input size, e.g. "3×3 grid into the dense layer at 28 px". */
export function paddingGridText(choice: PaddingChoice, inputSize: number): string {
  if (!isSize(inputSize)) return ''
  const n = choice === 'auto' ? autoPadding(inputSize) : choice
  const g = seedCnnGrid(inputSize, n)
  return `${g}×${g} grid into the dense layer at ${inputSize} px`
}

/** An engine that sends no recipe defaults trains without one. */
const RECIPE_OFF: RecipeDto = {
  dropout: { beforeDense: 0, afterDense: 0 },
  labelSmoothing: 0,
  schedule: 'constant',
  warmupEpochs: 0,
  weightDecay: 0,
  samePadding: 0,
  batchNorm: false,
  cropPad: 0,
  flip: false,
}

export const SCHEDULE_CHOICES: { value: RecipeDto['schedule']; label: string }[] = [
  { value: 'constant', label: 'Constant' },
  { value: 'cosine', label: 'Cosine (down to 0)' },
  { value: 'onecycle', label: 'One-cycle' },
]

export const EMPTY_RECIPE: RecipeForm = recipeFormFrom(RECIPE_OFF)

function recipeFormFrom(r: RecipeDto): RecipeForm {
  return {
    dropoutBefore: r.dropout.beforeDense,
    dropoutAfter: r.dropout.afterDense,
    labelSmoothing: r.labelSmoothing,
    schedule: r.schedule,
    warmupEpochs: r.warmupEpochs,
    weightDecay: r.weightDecay,
    cropPad: r.cropPad,
    flip: r.flip,
    // The preset's samePadding is the engine's pick at its default input size; the form lets the engine pick.
    samePadding: 'auto',
    // An engine from before the field sends none: off.
    batchNorm: r.batchNorm === true,
  }
}

/** The Recipe group filled with the preset's defaults. */
export function recipeFormFor(preset: PresetDto): RecipeForm {
  return recipeFormFrom(preset.recipe ?? RECIPE_OFF)
}

/** The Recipe group showing a run's stored config; values of unexpected type keep the default. */
export function recipeFormFromConfig(preset: PresetDto, config: Record<string, unknown>): RecipeForm {
  const d = recipeFormFor(preset)
  const num = (v: unknown, fallback: number) => (typeof v === 'number' ? v : fallback)
  const obj = (v: unknown) => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {})
  const dropout = obj(config.dropout)
  const augment = obj(config.augment)
  const schedule = SCHEDULE_CHOICES.find((c) => c.value === config.schedule)?.value ?? d.schedule
  return {
    dropoutBefore: num(dropout.beforeDense, d.dropoutBefore),
    dropoutAfter: num(dropout.afterDense, d.dropoutAfter),
    labelSmoothing: num(config.labelSmoothing, d.labelSmoothing),
    schedule,
    warmupEpochs: num(config.warmupEpochs, d.warmupEpochs),
    weightDecay: num(config.weightDecay, d.weightDecay),
    // A run without augmentation had no padding and no mirror.
    cropPad: config.augment === null ? 0 : num(augment.cropPad, d.cropPad),
    flip: config.augment === null ? false : typeof augment.flip === 'boolean' ? augment.flip : d.flip,
    // The run's padding as an explicit choice; a config without one trained with none (the engine reads it so).
    samePadding: PADDING_CHOICES.find((c) => c.value === config.samePadding)?.value ?? 0,
    // A config stored before batch normalization existed trained without it.
    batchNorm: config.batchNorm === true,
  }
}

/**
 * The recipe's part of the start request: dropout, the augmentation options, the padding and batch
 * normalization only where the preset has them; the padding only when chosen (Auto: the engine picks it by
 * the input size).
 */
export function recipeRequest(form: RecipeForm, preset: PresetDto): Partial<TrainRequestDto> {
  return {
    ...(preset.fields.includes('dropout')
      ? { dropout: { beforeDense: form.dropoutBefore, afterDense: form.dropoutAfter } }
      : {}),
    ...(preset.fields.includes('augment') ? { cropPad: form.cropPad, flip: form.flip } : {}),
    ...(preset.fields.includes('padding') && form.samePadding !== 'auto' ? { samePadding: form.samePadding } : {}),
    ...(preset.fields.includes('batchNorm') ? { batchNorm: form.batchNorm } : {}),
    labelSmoothing: form.labelSmoothing,
    schedule: form.schedule,
    warmupEpochs: form.warmupEpochs,
    weightDecay: form.weightDecay,
  }
}

export type RecipeField =
  'dropoutBefore' | 'dropoutAfter' | 'labelSmoothing' | 'warmupEpochs' | 'weightDecay' | 'cropPad'

/** The Recipe group's problems, one message per field (the engine checks the same ranges). */
export function validateRecipe(
  form: RecipeForm & { epochs: number; inputSize: number },
  preset: PresetDto | undefined,
): Partial<Record<RecipeField, string>> {
  const e: Partial<Record<RecipeField, string>> = {}
  const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)
  const rate = (k: RecipeField, v: unknown, what: string) => {
    if (!isNumber(v)) e[k] = 'Enter a number (0 for none).'
    else if (v < 0 || v >= 1) e[k] = `${what} must be from 0 to below 1, e.g. 0.1.`
  }
  if (preset?.fields.includes('dropout')) {
    rate('dropoutBefore', form.dropoutBefore, 'A dropout rate')
    rate('dropoutAfter', form.dropoutAfter, 'A dropout rate')
  }
  rate('labelSmoothing', form.labelSmoothing, 'Label smoothing')
  if (!isNumber(form.warmupEpochs)) e.warmupEpochs = 'Enter a number of epochs (0 for none).'
  else if (form.warmupEpochs < 0 || (isNumber(form.epochs) && form.warmupEpochs > form.epochs))
    e.warmupEpochs = `Enter 0 to ${isNumber(form.epochs) ? form.epochs : 'the number of'} epochs.`
  if (!isNumber(form.weightDecay)) e.weightDecay = 'Enter a number (0 for none).'
  else if (form.weightDecay < 0 || form.weightDecay > 1) e.weightDecay = 'Enter 0 to 1, e.g. 0.05.'
  if (preset?.fields.includes('augment')) {
    const most = Math.min(16, Math.floor((isNumber(form.inputSize) ? form.inputSize : 0) / 4))
    if (!isNumber(form.cropPad) || !Number.isInteger(form.cropPad)) e.cropPad = 'Enter a whole number of pixels.'
    else if (form.cropPad < 0 || form.cropPad > most) e.cropPad = `Enter 0 to ${most} pixels at this input size.`
  }
  return e
}
