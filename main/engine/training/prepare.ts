import * as tf from '@tensorflow/tfjs'
import { StudioError } from '../errors'
import type { RunPaths } from '../runs'
import type { RunRecord } from '../store'
import type { Studio } from '../studio'
import { selectBackend } from './backend'
import { hasCheckpoint, loadCheckpoint, type TrainState } from './checkpoint'
import type { TrainConfig } from './config'
import type { TrainEvent } from './events'
import { compiledLoss, inverseFrequency } from './losses'
import { makeOptimizer, type RecipeOptimizer } from './optimizer'
import { ParallelStepper } from './parallel'
import type { PixelProblem } from './pixels'
import type { PresetRegistry } from './presets/registry'
import type { PresetRun } from './presets/types'
import type { Source } from './sources'

/** Frees what a run holds, last taken first, also after a setup that failed half-way. */
export class Resources {
  private readonly frees: (() => unknown)[] = []

  hold<T>(thing: T, free: (t: T) => unknown): T {
    this.frees.push(() => free(thing))
    return thing
  }

  freeAll(): void {
    for (const free of this.frees.splice(0).reverse()) free()
  }
}

/** A run ready to fit: its data, model, optimizer, workers and state. */
export interface Prepared {
  runId: number
  datasetVersion: number
  cfg: TrainConfig
  paths: RunPaths
  preset: PresetRun
  train: Source
  val: Source
  model: tf.LayersModel
  optimizer: RecipeOptimizer
  stepper: ParallelStepper | null
  /** Where training stands (from the checkpoint on resume); the callbacks move it on. */
  state: TrainState
  /** Images that could not be read so far. */
  problems: PixelProblem[]
  /** Compiles another model as `model` was (a new optimizer of the config's, its loss); the caller disposes the optimizer. */
  compile(m: tf.LayersModel): RecipeOptimizer
}

export interface PrepareInput {
  studio: Studio
  run: RunRecord
  cfg: TrainConfig
  paths: RunPaths
  /** Continue from the checkpoint. */
  resume: boolean
  modelsDir: string
  bundledModelsDir: string
  registry: PresetRegistry
  emit(e: TrainEvent): void
}

/**
 * Backend, data (pixels or features, as the preset says), model, optimizer, the checkpoint on
 * resume and the data-parallel threads; records the backend and why, and emits `start`.
 */
export async function prepare(input: PrepareInput, res: Resources): Promise<Prepared> {
  const { studio, run, cfg, paths, emit } = input
  const { runs, datasets } = studio.store
  const backend = await selectBackend(cfg.backend)
  runs.setBackend(run.id, backend.name, backend.version, backend.reason)
  const version = datasets.version(run.datasetVersion)!
  const numClasses = version.classes.length
  emit({ type: 'phase', runId: run.id, phase: 'decoding' })
  const problems: PixelProblem[] = []
  const preset = res.hold(
    await input.registry.get(cfg.preset).prepare({
      cfg,
      numClasses,
      paths: studio.project.paths,
      modelsDir: input.modelsDir,
      bundledModelsDir: input.bundledModelsDir,
      items: (split) => datasets.items(version.id, split),
      hashes: new Map(datasets.items(version.id).map((i) => [i.imageId, i.hash])),
      onProblem: (p) => {
        problems.push(p)
        emit({ type: 'problem', runId: run.id, ...p })
      },
    }),
    (p) => p.dispose(),
  )
  const train = await preset.source('train')
  const val = await preset.source('val')
  runs.setProblems(run.id, problems)
  if (!train.imageIds.length) throw new StudioError('no training images could be read')

  const model = res.hold(preset.buildModel(), (m) => m.dispose())
  const weights = cfg.classWeights ? inverseFrequency(train.labels, numClasses) : null
  const weightTensor = weights ? res.hold(tf.tensor1d(weights), (t) => t.dispose()) : null
  const compile = (m: tf.LayersModel) => {
    const o = makeOptimizer(cfg)
    m.compile({ optimizer: o, loss: compiledLoss(weightTensor, cfg.labelSmoothing), metrics: ['accuracy'] })
    return o
  }
  const optimizer = res.hold(compile(model), (o) => o.dispose())

  let state: TrainState = { epoch: 0, bestEpoch: null, bestValLoss: null, wait: 0 }
  if (input.resume && hasCheckpoint(paths.checkpoint)) {
    state = await loadCheckpoint(paths.checkpoint, model, optimizer)
    runs.truncateEpochs(run.id, state.epoch)
  } else if (input.resume) {
    runs.truncateEpochs(run.id, 0)
  }
  // After a resume has loaded the checkpoint, so every replica starts from the same weights.
  const plan = preset.plan(backend.name)
  const stepper =
    plan.workers > 1
      ? res.hold(
          await ParallelStepper.start(model, optimizer, {
            workers: plan.workers,
            backend: backend.name,
            maxBatch: cfg.batchSize,
            classWeights: weights,
            labelSmoothing: cfg.labelSmoothing,
          }),
          (s) => void s.dispose(),
        )
      : null
  const streamed = train.inMemory
    ? ''
    : '; training pixels stream from the disk cache (more than STUDIO_PIXEL_MEMORY_MB)'
  const backendReason = `${backend.reason}; ${plan.why}${streamed}`
  runs.setBackend(run.id, backend.name, backend.version, backendReason)
  emit({
    type: 'start',
    runId: run.id,
    backend: backend.name,
    backendVersion: backend.version,
    backendReason,
    workers: plan.workers,
    trainCount: train.imageIds.length,
    valCount: val.imageIds.length,
    epochs: cfg.epochs,
    batchesPerEpoch: Math.ceil(train.imageIds.length / cfg.batchSize),
    startEpoch: state.epoch,
  })
  return {
    runId: run.id,
    datasetVersion: version.id,
    cfg,
    paths,
    preset,
    train,
    val,
    model,
    optimizer,
    stepper,
    state,
    problems,
    compile,
  }
}
