import type * as tf from '@tensorflow/tfjs'
import type { PresetDto } from '../../../../preload/contract'
import type { GraphStage, RunPaths, Scaling } from '../../runs'
import type { DatasetItem, ProjectPaths, Split } from '../../store'
import type { BackendName } from '../backend'
import type { Augmentation } from '../augment'
import type { TrainConfig } from '../config'
import type { PixelProblem } from '../pixels'
import type { Recipe } from '../recipe'
import type { Source } from '../sources'
import type { TrainState } from '../checkpoint'
import type { EpochLogs } from '../fit'
import type { TransferRecipe } from '../transfer-recipe'

/** The config fields whose default depends on the preset (the others are shared, config.ts). */
export interface PresetDefaults {
  /** Input side, pixels. */
  inputSize: number
  /** Passes over the training split. */
  epochs: number
  /** Early stopping: epochs without a better validation loss; null = never. */
  patience: number | null
  /** Backbone folder in the models folder; null where the preset has none. */
  backbone: string | null
  /** Learning rate (the schedule's peak) when a config sets none; absent: 0.001. */
  learningRate?: number
  /** Images per step when a config sets none; absent: 32. */
  batchSize?: number
  /** Training-batch augmentation when a config asks for none; absent: none. */
  augment?: Augmentation | null
  /** Recipe fields (recipe.ts) the preset sets otherwise than RECIPE_OFF. */
  recipe?: Partial<Recipe>
  /** Feature augmentation and fine-tuning (transfer-recipe.ts); absent: the preset has neither. */
  transfer?: TransferRecipe
}

/**
 * A preset: everything Studio knows about one way of training. The Train form (describePresets),
 * the request schema and the CLI choices (PRESET_NAMES), the config defaults and checks
 * (config.ts) and the trainer all read it from here.
 */
export interface PresetSpec<N extends string = string> {
  name: N
  /** Shown in the Train form. */
  label: string
  description: string
  /** The optional form fields that apply to this preset. */
  fields: PresetDto['fields']
  defaults: PresetDefaults
  /** Input sides, pixels, the config accepts. */
  inputSize: { min: number; max: number }
  /**
   * Defaults that depend on what is installed (e.g. the best backbone found, the input size of the
   * one asked for), over `defaults`.
   */
  installedDefaults?(env: PresetEnv, asked: Partial<TrainConfig>): Partial<PresetDefaults>
  /** Checks of the complete config beyond the shared ones; throws ValidationError. */
  validate?(cfg: TrainConfig): void
  /** Readies the preset for one run (loads what it needs, e.g. a backbone). */
  prepare(ctx: PresetContext): Promise<PresetRun>
}

/** Where this process finds what presets may need. */
export interface PresetEnv {
  /** The models folder setting; null: STUDIO_MODELS_DIR or ~/.studio/models. */
  modelsDir?: string | null
}

/** What a run gives its preset. */
export interface PresetContext {
  cfg: TrainConfig
  /** Model outputs: the dataset version's classes. */
  numClasses: number
  paths: ProjectPaths
  /** The dataset version's items of a split. */
  items(split: Split): DatasetItem[]
  /** Image id → content hash (cache file names). */
  hashes: Map<number, string>
  /** Folder of pretrained backbones. */
  modelsDir: string
  /** The backbones Studio ships (resources/models), as the process that started the run found them. */
  bundledModelsDir: string
  /** An image that cannot be read: reported with the run, left out of training. */
  onProblem(p: PixelProblem): void
}

/** Data-parallel participants for a run, and why (recorded with the run). */
export interface WorkerPlan {
  workers: number
  why: string
}

/** A preset readied for one run: how the trainer builds, feeds, parallelises and saves its model. */
export interface PresetRun {
  /** Pixel scaling of the saved model's input (preprocessing.json). */
  scaling: Scaling
  /** The trainable model, initialised from the config's seed. */
  buildModel(): tf.LayersModel
  /** A split's data: decoded pixels or cached features. */
  source(split: Split): Promise<Source>
  plan(backend: BackendName): WorkerPlan
  /** Writes the trained model to `run.model` (and what else predict needs); returns the stage predict runs first. */
  save(model: tf.LayersModel, run: RunPaths): Promise<GraphStage | null>
  /**
   * Probabilities of each image of a split's mirror image through the trained `model`, by image id
   * (images that cannot be read left out), for test-time augmentation, computed the preset's own
   * faster way (the transfer preset: mirrored features on its extraction threads, then the head).
   * Absent: the trainer runs the saved model on mirrored pixels.
   */
  mirrored?(split: Split, model: tf.LayersModel): Promise<Map<number, Float32Array>>
  /**
   * A phase after the epochs (the transfer preset's fine-tuning), given the trained model; sources
   * asked for afterwards give what the final model sees. Absent: none.
   */
  afterFit?(run: AfterFit): Promise<'done' | 'cancelled'>
  dispose(): void
}

/** What the trainer gives a preset's phase after the epochs. */
export interface AfterFit {
  model: tf.LayersModel
  /** The trainer's state; the phase moves `epoch` on and sets `bestEpoch` to the weights it leaves. */
  state: TrainState
  paths: RunPaths
  cancelled(): boolean
  /** Records an epoch of the phase (the run's epoch log, an epoch event). */
  onEpoch(logs: EpochLogs): void
  /**
   * Trains another model (one `buildModel`'s shape, seeded otherwise) the way the run trained its
   * own — a fresh optimizer, the config's schedule, loss and early stopping, the same training and
   * val data, batches shuffled by `seed` — and leaves it holding its best val epoch's weights. Its
   * epochs are not the run's: nothing is recorded or saved.
   */
  trainMember(model: tf.LayersModel, seed: number): Promise<'done' | 'cancelled'>
}

/** Declares a preset, keeping its name's literal type (PRESET_NAMES is made of them). */
export function definePreset<N extends string>(spec: PresetSpec<N>): PresetSpec<N> {
  return spec
}
