import { ValidationError } from '../errors'
import { checkFractions, DEFAULT_FRACTIONS } from '../datasets/split'
import { CALIBRATION_MODES, TTA_MODES, type CalibrationMode, type TtaMode } from '../evaluation/calibration'
import type { SplitFractions } from '../store'
import { type Augmentation } from './augment'
import type { AutoRecord } from './auto-facts'
import type { BackendName } from './backend'
import { presets, type PresetRegistry } from './presets/registry'
import type { PresetEnv } from './presets/types'
import { checkRecipe, recipeWith, RECIPE_OFF, type Recipe } from './recipe'
import { checkTransferRecipe, TRANSFER_RECIPE_OFF, transferRecipeWith, type TransferRecipe } from './transfer-recipe'

export { DEFAULT_AUGMENT, type Augmentation } from './augment'

/**
 * Every knob of a run. Stored complete (defaults filled in) with the run, so it can be repeated.
 * The recipe's fields (dropout, labelSmoothing, schedule, warmupEpochs, weightDecay) are
 * documented in recipe.ts; the transfer preset's (featureAugment, fineTune) in transfer-recipe.ts.
 */
export interface TrainConfig extends Recipe, TransferRecipe {
  /** A registered preset's name (presets/registry.ts). Default: the registry's first, seed-cnn. */
  preset: string
  /** Input side in pixels. Default: the preset's (seed-cnn 64, transfer 224). */
  inputSize: number
  /** How images are fitted into the square input. Default cover. */
  fit: 'cover' | 'contain'
  /** Passes over the training split. Default: the preset's (seed-cnn 10, transfer 100). */
  epochs: number
  /** Images per step. Default: the preset's (seed-cnn 64), else 32. */
  batchSize: number
  /** The rate (a schedule's start or peak, recipe.ts). Default: the preset's, else 0.001. */
  learningRate: number
  optimizer: 'adam' | 'sgd' | 'rmsprop'
  /** Stop after this many epochs without a better validation loss; null = never. Default: the preset's (5, 10). */
  patience: number | null
  /** At the end, keep the weights of the epoch with the best validation loss. Default true. */
  restoreBest: boolean
  /** Seeds splits, initial weights, shuffling and augmentation. Default 42. */
  seed: number
  /** Training-batch augmentation (augment.ts); null = none. Default: the preset's (none). */
  augment: Augmentation | null
  /** Weight the loss by inverse class frequency (for imbalanced classes). Default false. */
  classWeights: boolean
  fractions: SplitFractions
  /** Keep images tagged train/val/test at import in that split. Default false. */
  useOriginSplits: boolean
  /** Backbone folder name, bundled or in the models folder (transfer). Default: the best one found. */
  backbone: string | null
  /**
   * Test-time augmentation (evaluation/calibration.ts): predictions average each image and its
   * mirror image. auto: on when it improves val accuracy (or log loss at equal accuracy); on; off.
   * Default auto. The decision and its figures are in the run's summary and preprocessing.json.
   */
  tta: TtaMode
  /**
   * Temperature scaling fitted on the val split (minimum NLL). auto: folded into the final layer when
   * it lowers val log loss without raising val ECE; on: folded in whatever val says; off. Default auto.
   */
  calibration: CalibrationMode
  /**
   * Set by "Train the best model" (auto.ts): the time budget, the estimate and each choice with its
   * reason, so the run (and its model card) says how it was configured; null for a run set by hand.
   */
  auto: AutoRecord | null
  /** 'auto' picks the fastest that loads. */
  backend: BackendName | 'auto'
  /** Data-parallel training threads incl. the trainer's own; null = one per core where that helps. */
  workers: number | null
}

/**
 * A complete config: what `c` sets, else the preset's defaults (those that depend on what is
 * installed as `env` finds it), else the shared ones; checked against the shared limits and the
 * preset's own.
 */
export function withDefaults(
  c: Partial<TrainConfig>,
  registry: PresetRegistry = presets,
  env: PresetEnv = {},
): TrainConfig {
  const preset = c.preset === undefined ? registry.default : registry.get(c.preset)
  const d = { ...preset.defaults, ...preset.installedDefaults?.(env, c) }
  const augment = c.augment === undefined ? (d.augment ?? null) : c.augment
  const cfg: TrainConfig = {
    preset: preset.name,
    inputSize: c.inputSize ?? d.inputSize,
    fit: c.fit ?? 'cover',
    epochs: c.epochs ?? d.epochs,
    batchSize: c.batchSize ?? d.batchSize ?? 32,
    learningRate: c.learningRate ?? d.learningRate ?? 0.001,
    optimizer: c.optimizer ?? 'adam',
    patience: c.patience === undefined ? d.patience : c.patience,
    restoreBest: c.restoreBest ?? true,
    seed: c.seed ?? 42,
    // A crop padding is recorded even where it is 0, so every run's config lists every option.
    augment: augment ? { ...augment, cropPad: augment.cropPad ?? 0 } : null,
    classWeights: c.classWeights ?? false,
    fractions: c.fractions ?? DEFAULT_FRACTIONS,
    useOriginSplits: c.useOriginSplits ?? false,
    backbone: c.backbone ?? d.backbone,
    auto: c.auto ?? null,
    tta: c.tta ?? 'auto',
    calibration: c.calibration ?? 'auto',
    backend: c.backend ?? 'auto',
    workers: c.workers ?? null,
    ...recipeWith(c, { ...RECIPE_OFF, ...d.recipe }),
    ...transferRecipeWith(c, d.transfer ?? TRANSFER_RECIPE_OFF),
  }
  validate(cfg, preset.inputSize)
  checkRecipe(cfg, preset.fields)
  checkTransferRecipe(cfg, !!d.transfer)
  preset.validate?.(cfg)
  return cfg
}

function validate(c: TrainConfig, inputSize: { min: number; max: number }): void {
  const int = (name: string, v: number, lo: number, hi: number) => {
    if (!Number.isInteger(v) || v < lo || v > hi) {
      throw new ValidationError(`${name} must be a whole number from ${lo} to ${hi} (got ${v})`)
    }
  }
  int('inputSize', c.inputSize, inputSize.min, inputSize.max)
  int('epochs', c.epochs, 1, 1000)
  int('batchSize', c.batchSize, 1, 1024)
  if (!(c.learningRate > 0 && Number.isFinite(c.learningRate))) {
    throw new ValidationError(`learningRate must be a positive number (got ${c.learningRate})`)
  }
  if (!['adam', 'sgd', 'rmsprop'].includes(c.optimizer)) {
    throw new ValidationError(`optimizer must be adam, sgd or rmsprop (got ${JSON.stringify(c.optimizer)})`)
  }
  if (c.patience !== null) int('patience', c.patience, 1, 1000)
  if (!['cover', 'contain'].includes(c.fit))
    throw new ValidationError(`fit must be cover or contain (got ${JSON.stringify(c.fit)})`)
  int('seed', c.seed, 0, 2 ** 31 - 1)
  if (c.workers !== null) int('workers', c.workers, 1, 16)
  if (!(TTA_MODES as readonly string[]).includes(c.tta))
    throw new ValidationError(`tta must be ${TTA_MODES.join(', ')} (got ${JSON.stringify(c.tta)})`)
  if (!(CALIBRATION_MODES as readonly string[]).includes(c.calibration))
    throw new ValidationError(
      `calibration must be ${CALIBRATION_MODES.join(', ')} (got ${JSON.stringify(c.calibration)})`,
    )
  checkFractions(c.fractions)
}
