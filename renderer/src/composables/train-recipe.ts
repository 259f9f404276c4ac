import type { PresetDto, RecipeDto, TrainRequestDto } from '../../../preload/contract'

/**
 * The Train form's Recipe group (under Advanced): dropout around the seed CNN's dense layer, crop
 * padding and the mirror (where the preset augments), label smoothing, the learning-rate schedule
 * with its warm-up, and weight decay. Defaults are the preset's (`PresetDto.recipe`, from the
 * engine's registry); what each means is documented in the engine (training/recipe.ts, augment.ts).
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
}

/** An engine that sends no recipe defaults trains without one. */
const RECIPE_OFF: RecipeDto = {
  dropout: { beforeDense: 0, afterDense: 0 },
  labelSmoothing: 0,
  schedule: 'constant',
  warmupEpochs: 0,
  weightDecay: 0,
  samePadding: 0,
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
  }
}

/** The recipe's part of the start request: dropout and the augmentation options only where the preset has them. */
export function recipeRequest(form: RecipeForm, preset: PresetDto): Partial<TrainRequestDto> {
  return {
    ...(preset.fields.includes('dropout')
      ? { dropout: { beforeDense: form.dropoutBefore, afterDense: form.dropoutAfter } }
      : {}),
    ...(preset.fields.includes('augment') ? { cropPad: form.cropPad, flip: form.flip } : {}),
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
