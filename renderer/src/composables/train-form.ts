import type { PresetDto, TrainRequestDto } from '../../../preload/contract'
import { EMPTY_RECIPE, recipeFormFor, recipeFormFromConfig, recipeRequest, type RecipeForm } from './train-recipe'
import {
  EMPTY_TRANSFER,
  transferFormFor,
  transferFormFromConfig,
  transferRequest,
  type TransferForm,
} from './train-transfer'

/**
 * The Train form as the user edits it: percentages for the split, 0 for "no early stopping", '' for the
 * default backbone; the Recipe group's fields (train-recipe.ts) besides.
 */
export interface TrainForm extends RecipeForm, TransferForm {
  preset: string
  backbone: string
  inputSize: number
  epochs: number
  batchSize: number
  learningRate: number
  /** The classic augmentation (rotation, shift, brightness, contrast); the mirror is the recipe's `flip`. */
  augment: boolean
  /** Epochs without a better validation loss before stopping; 0 = never stop early. */
  patience: number
  seed: number
  /** Split in percent; normalised to fractions when the run starts, so they need not add up to 100. */
  train: number
  val: number
  test: number
  useOriginSplits: boolean
}

/** A split fraction as the form's percentage, to one decimal (0.333 → 33.3). */
const toPercent = (f: number) => Math.round(f * 1000) / 10

/** The form before the engine's presets have arrived (the view shows no fields until then). */
export const EMPTY_FORM: TrainForm = {
  preset: '',
  backbone: '',
  inputSize: 0,
  epochs: 0,
  batchSize: 0,
  learningRate: 0,
  augment: false,
  patience: 0,
  seed: 0,
  train: 0,
  val: 0,
  test: 0,
  useOriginSplits: false,
  ...EMPTY_RECIPE,
  ...EMPTY_TRANSFER,
}

/** The form filled with a preset's engine defaults; `keep` carries over what does not depend on the preset. */
export function formFor(preset: PresetDto, keep: Partial<Pick<TrainForm, 'useOriginSplits'>> = {}): TrainForm {
  const d = preset.defaults
  return {
    preset: preset.name,
    backbone: '',
    inputSize: d.inputSize,
    epochs: d.epochs,
    batchSize: d.batchSize,
    learningRate: d.learningRate,
    augment: false,
    patience: d.patience ?? 0,
    seed: d.seed,
    train: toPercent(d.fractions.train),
    val: toPercent(d.fractions.val),
    test: toPercent(d.fractions.test),
    useOriginSplits: keep.useOriginSplits ?? false,
    ...recipeFormFor(preset),
    ...transferFormFor(preset),
  }
}

/**
 * The form showing a run's settings (its stored config, defaults filled in): after a reload the form
 * shows what the running run trains with, not the preset's defaults. Values of unexpected type keep the default.
 */
export function formFromConfig(preset: PresetDto, config: Record<string, unknown>): TrainForm {
  const form = formFor(preset)
  const num = (k: string, fallback: number) => (typeof config[k] === 'number' ? config[k] : fallback)
  const f = config.fractions
  const fractions = typeof f === 'object' && f !== null ? (f as Record<string, unknown>) : {}
  const share = (k: string, fallback: number) => (typeof fractions[k] === 'number' ? toPercent(fractions[k]) : fallback)
  const backbone =
    typeof config.backbone === 'string' && config.backbone !== preset.defaults.backbone ? config.backbone : ''
  return {
    ...form,
    backbone,
    inputSize: num('inputSize', form.inputSize),
    epochs: num('epochs', form.epochs),
    batchSize: num('batchSize', form.batchSize),
    learningRate: num('learningRate', form.learningRate),
    augment: classicAugmentation(config.augment),
    patience: config.patience === null ? 0 : num('patience', form.patience),
    seed: num('seed', form.seed),
    train: share('train', form.train),
    val: share('val', form.val),
    test: share('test', form.test),
    useOriginSplits: config.useOriginSplits === true,
    ...recipeFormFromConfig(preset, config),
    ...transferFormFromConfig(preset, config),
  }
}

/** Whether a stored augmentation has the classic part (rotation, shift, light), not only crop padding and mirror. */
function classicAugmentation(a: unknown): boolean {
  if (a === true) return true
  if (typeof a !== 'object' || a === null) return false
  const v = a as Record<string, unknown>
  return Boolean(v.rotate || v.crop || v.brightness || v.contrast)
}

/** Whether the form shows an optional field for this preset. */
export function hasField(preset: PresetDto | undefined, field: PresetDto['fields'][number]): boolean {
  return preset?.fields.includes(field) ?? false
}

/** The start request for the form: the preset's own fields only, the split as fractions. */
export function trainRequest(form: TrainForm, preset: PresetDto): TrainRequestDto {
  const total = form.train + form.val + form.test
  return {
    preset: preset.name,
    ...(hasField(preset, 'backbone') && form.backbone ? { backbone: form.backbone } : {}),
    ...(hasField(preset, 'inputSize') ? { inputSize: form.inputSize } : {}),
    ...(hasField(preset, 'augment') ? { augment: form.augment } : {}),
    epochs: form.epochs,
    batchSize: form.batchSize,
    learningRate: form.learningRate,
    patience: form.patience > 0 ? form.patience : null,
    seed: form.seed,
    useOriginSplits: form.useOriginSplits,
    fractions: { train: form.train / total, val: form.val / total, test: form.test / total },
    ...recipeRequest(form, preset),
    ...transferRequest(form, preset),
  }
}
