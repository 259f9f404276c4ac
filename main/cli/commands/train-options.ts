import cliProgress from 'cli-progress'
import { Option, type Command } from 'commander'
import { ValidationError } from '../../engine/errors'
import { BACKENDS, type BackendName } from '../../engine/training/backend-names'
import type { TrainConfig } from '../../engine/training/config'
import { PRESET_NAMES, presets } from '../../engine/training/presets/registry'
import type { PresetSpec } from '../../engine/training/presets/types'
import type { TrainEvent } from '../../engine/training/events'
import { resumeTraining, startTraining, type TrainingHandle } from '../../engine/training/runner'
import { withStudio } from '../context'
import { emit, EXIT, ExitCode, type CommonOptions } from '../output'
import { parseId } from './project'
import { trainResult } from './train'
import { addRecipeOptions, recipeFrom, type RecipeCliOptions } from './train-recipe'
import { addTransferOptions, transferFrom, type TransferCliOptions } from './train-transfer'
import { addAutoOptions, afterTrainingFrom, givenOn, withAuto, type AutoCliOptions } from './train-auto'
import { plural } from '../../engine/plural'

interface TrainCliOptions extends CommonOptions, RecipeCliOptions, TransferCliOptions, AutoCliOptions {
  preset: string
  backbone?: string
  modelsDir?: string
  inputSize?: number
  fit?: string
  epochs?: number
  batchSize?: number
  lr?: number
  optimizer?: string
  patience?: string
  restoreBest: boolean
  seed?: number
  classWeights?: boolean
  split?: string
  useOriginSplits?: boolean
  backend?: string
  workers?: number
  resume?: number
}

/**
 * Adds train's options and action to the command train.ts made. Their defaults come from the presets
 * (which load TF.js), so this module loads only when train is used or its help shown (lazy.ts).
 */
export function addTrainOptions(cmd: Command): void {
  cmd
    .addOption(
      new Option('--preset <name>', presets.list.map((p) => `${p.name}: ${p.label}`).join(' | '))
        .choices(PRESET_NAMES)
        .default(presets.default.name),
    )
    .option('--backbone <name>', `backbone folder in the models folder (default: ${perPreset((d) => d.backbone)})`)
    .option('--models-dir <dir>', 'folder of pretrained backbones (default STUDIO_MODELS_DIR or ~/.studio/models)')
    .option('--input-size <px>', `input side in pixels (default: ${perPreset((d) => d.inputSize)})`, parseId)
    .option('--fit <mode>', 'cover (crop to fill) | contain (pad)')
    .option('--epochs <n>', `passes over the training split (default: ${perPreset((d) => d.epochs)})`, parseId)
    .option('--batch-size <n>', `images per step (default: ${perPreset((d) => d.batchSize ?? 32)})`, parseId)
    .option(
      '--lr <rate>',
      `learning rate, a schedule's start or peak (default: ${perPreset((d) => d.learningRate ?? 0.001)})`,
      parseFloat,
    )
    .option('--optimizer <name>', 'adam | sgd | rmsprop (default adam)')
    .option(
      '--patience <n>',
      `early stopping: epochs without a better val loss (default: ${perPreset((d) => d.patience)}; "off" disables)`,
    )
    .option('--no-restore-best', 'keep the last epoch’s weights instead of the best')
    .option('--seed <n>', 'seed for split, weights, shuffling, augmentation (default 42)', (v) => parseInt(v, 10))
  // The recipe's options (train-recipe.ts) come after the seed in --help, as before the classic ones.
  addRecipeOptions(cmd)
  addTransferOptions(cmd)
  addAutoOptions(cmd)
  cmd
    .option('--class-weights', 'weight the loss by inverse class frequency')
    .option('--split <t/v/t>', 'train/val/test percentages (default 70/15/15)')
    .option('--use-origin-splits', 'images imported from train/ val/ test/ folders keep that split')
    .option('--backend <name>', `auto | ${BACKENDS.join(' | ')} (default auto: the fastest that loads)`)
    .option(
      '--workers <n>',
      'data-parallel training threads, and the transfer preset\u2019s feature extraction threads ' +
        '(default: one per core where that helps; 1 = off)',
      parseId,
    )
    .option('--resume <run>', 'continue a failed, cancelled or crashed run from its last checkpoint', parseId)
    .action((opts: TrainCliOptions) =>
      withStudio(opts, async (studio) => {
        const progress = trainProgress(!opts.json && process.stderr.isTTY)
        const more = { modelsDir: opts.modelsDir ?? null }
        const handle = opts.resume
          ? resumeTraining(studio, opts.resume, progress.onEvent, more)
          : startTraining(studio, withAuto(studio, opts, configFrom(opts), givenOn(cmd)), progress.onEvent, more)
        const status = await untilDone(handle)
        progress.stop()
        const run = studio.store.runs.get(handle.runId)!
        const result = trainResult(studio, run)
        emit(opts, result, (v) =>
          [
            `Run ${v.run}: ${v.status}${run.error ? ` — ${run.error}` : ''} (backend ${v.backend}: ${run.backendReason ?? ''})`,
            v.val_accuracy !== null ? `  val accuracy ${(v.val_accuracy * 100).toFixed(1)} %` : '',
            v.test_accuracy !== null
              ? `  test accuracy ${(v.test_accuracy * 100).toFixed(1)} %, macro F1 ${v.macro_f1?.toFixed(3)}`
              : '',
            status === 'done'
              ? `  details: studio eval ${v.run}; export: studio export ${v.run} <folder>`
              : `  continue: studio train --resume ${v.run}`,
          ]
            .filter(Boolean)
            .join('\n'),
        )
        if (status === 'cancelled') throw new ExitCode(EXIT.cancelled)
        if (status === 'failed') throw new ExitCode(EXIT.error)
      }),
    )
}

/** A default as each preset sets it, e.g. "seed-cnn 64, transfer 224" (presets without one left out). */
function perPreset(value: (d: PresetSpec['defaults']) => string | number | null): string {
  return presets.list
    .flatMap((p) => {
      const v = value(p.defaults)
      return v === null ? [] : [`${p.name} ${v}`]
    })
    .join(', ')
}

function untilDone(handle: TrainingHandle): Promise<string> {
  const onSigint = () => {
    process.stderr.write('\nCancelling after the current batch… (the run can be resumed)\n')
    handle.cancel()
  }
  process.on('SIGINT', onSigint)
  return handle.done.finally(() => process.off('SIGINT', onSigint))
}

function configFrom(o: TrainCliOptions): Partial<TrainConfig> {
  const c: Partial<TrainConfig> = {
    preset: o.preset,
    restoreBest: o.restoreBest,
    useOriginSplits: Boolean(o.useOriginSplits),
    classWeights: Boolean(o.classWeights),
  }
  if (o.backbone) c.backbone = o.backbone
  if (o.inputSize) c.inputSize = o.inputSize
  if (o.fit) c.fit = o.fit as TrainConfig['fit']
  if (o.epochs) c.epochs = o.epochs
  if (o.batchSize) c.batchSize = o.batchSize
  if (o.lr !== undefined) c.learningRate = o.lr
  if (o.optimizer) c.optimizer = o.optimizer as TrainConfig['optimizer']
  if (o.patience !== undefined) c.patience = o.patience === 'off' ? null : parseId(o.patience)
  if (o.seed !== undefined) c.seed = o.seed
  Object.assign(c, recipeFrom(o, o.preset))
  Object.assign(c, transferFrom(o))
  if (o.backend) {
    if (o.backend !== 'auto' && !(BACKENDS as readonly string[]).includes(o.backend)) {
      throw new ValidationError(`--backend must be auto, ${BACKENDS.join(', ')} (got ${JSON.stringify(o.backend)})`)
    }
    c.backend = o.backend as BackendName | 'auto'
  }
  if (o.workers !== undefined) c.workers = o.workers
  Object.assign(c, afterTrainingFrom(o))
  if (o.split) {
    const parts = o.split.split('/').map(Number)
    if (parts.length !== 3 || parts.some((p) => !Number.isFinite(p)))
      throw new ValidationError(`--split must look like 70/15/15 (got ${JSON.stringify(o.split)})`)
    const total = parts.reduce((a, b) => a + b, 0)
    c.fractions = { train: parts[0]! / total, val: parts[1]! / total, test: parts[2]! / total }
  }
  return c
}

/** Progress bar per epoch on a terminal, an epoch line after each epoch; silent otherwise. */
function trainProgress(enabled: boolean): { onEvent: (e: TrainEvent) => void; stop: () => void } {
  if (!enabled) return { onEvent: () => {}, stop: () => {} }
  const bar = new cliProgress.SingleBar(
    {
      format: 'epoch {epoch} [{bar}] {value}/{total} | loss {loss} acc {acc} | {ips} img/s | ETA {eta_s}s',
      stream: process.stderr,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  )
  let active = false
  return {
    onEvent: (e) => {
      if (e.type === 'start')
        process.stderr.write(
          `Training on ${plural(e.trainCount, 'image')} (val ${e.valCount}), backend ${e.backend}: ${e.backendReason}\n`,
        )
      else if (e.type === 'phase' && e.phase !== 'training') process.stderr.write(`${e.phase}…\n`)
      else if (e.type === 'problem') process.stderr.write(`skipped image ${e.imageId}: ${e.reason}\n`)
      else if (e.type === 'batch') {
        const payload = {
          epoch: e.epoch,
          loss: e.loss.toFixed(3),
          acc: e.accuracy.toFixed(3),
          ips: e.imagesPerSec.toFixed(0),
          eta_s: Math.round(e.etaSeconds),
        }
        if (active) bar.update(e.batch, payload)
        else {
          bar.start(e.batches, e.batch, payload)
          active = true
        }
      } else if (e.type === 'epoch') {
        if (active) {
          bar.stop()
          active = false
        }
        const val =
          e.valAccuracy === null ? '' : `, val loss ${e.valLoss!.toFixed(3)} acc ${(e.valAccuracy * 100).toFixed(1)} %`
        process.stderr.write(
          `epoch ${e.epoch}: loss ${e.loss.toFixed(3)} acc ${(e.accuracy * 100).toFixed(1)} %${val} (${e.seconds.toFixed(1)} s)${e.best ? ' *' : ''}\n`,
        )
      }
    },
    stop: () => {
      if (active) bar.stop()
    },
  }
}
