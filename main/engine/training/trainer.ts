import fs from 'node:fs'
import path from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { errorMessage, NotFoundError, StudioError, ValidationError } from '../errors'
import { evaluate as evaluatePredictions, argmax } from '../evaluation/metrics'
import { mixSeed, rng, shuffle } from '../random'
import { Studio } from '../studio'
import type { Split } from '../store'
import { nowIso } from '../util'
import { preprocessingOf, runPaths, saveGraphStage, writePreprocessing, type GraphStage } from '../runs'
import { autoWorkers, ParallelStepper } from './parallel'
import { selectBackend } from './backend'
import { featureSource, pixelSource, type Source } from './sources'
import { hasCheckpoint, loadCheckpoint, saveCheckpoint, type TrainState } from './checkpoint'
import type { TrainConfig } from './config'
import type { TrainEvent } from './events'
import { folderSaver, readArtifacts } from './model-io'
import { loadPixels, type PixelProblem } from './pixels'
import { seedCnn, type Scaling } from './presets'
import { NonFiniteOutputError, predictSet } from './predict'
import { combine, loadBackbone, modelsDir, splitFeatures, transferHead } from './transfer'

export interface TrainJob {
  projectDir: string
  runId: number
  /** Continue from the run's last checkpoint. */
  resume: boolean
  /** Folder of pretrained backbones (transfer preset); default STUDIO_MODELS_DIR or ~/.studio/models. */
  modelsDir?: string | null
  /** better-sqlite3 build for the runtime (the Electron app's, when it forks this process). */
  nativeBinding?: string
}

export interface TrainIO {
  emit(e: TrainEvent): void
  cancelled(): boolean
}

/** A run stopped because its loss stopped being a number. */
export class NanLossError extends StudioError {}

/**
 * Trains one run to the end (or cancel/failure), writing epochs, checkpoints, predictions and the
 * final model. Runs in the training child process; tests may call it in-process. Disposes every
 * tensor it makes.
 */
export async function runTraining(job: TrainJob, io: TrainIO): Promise<'done' | 'failed' | 'cancelled'> {
  const studio = Studio.open(job.projectDir, { nativeBinding: job.nativeBinding })
  const { runs, datasets } = studio.store
  const run = runs.get(job.runId)
  if (!run) throw new NotFoundError(`run ${job.runId} does not exist`)
  const cfg = JSON.parse(run.config) as TrainConfig
  const paths = runPaths(studio.root, run.id)
  const dir = paths.dir
  const ckptDir = path.join(dir, 'checkpoint')
  fs.mkdirSync(dir, { recursive: true })
  let model: tf.LayersModel | null = null
  let optimizer: tf.Optimizer | null = null
  let classWeights: tf.Tensor1D | null = null
  const disposables: (() => void)[] = []
  const finish = (status: 'done' | 'failed' | 'cancelled', error: string | null) => {
    runs.finish(run.id, status, nowIso(), error)
    io.emit({ type: 'end', runId: run.id, status, error })
    return status
  }
  try {
    const backend = await selectBackend(cfg.backend)
    runs.setBackend(run.id, backend.name, backend.version, backend.reason)
    const version = datasets.version(run.datasetVersion)!
    const k = version.classes.length
    io.emit({ type: 'phase', runId: run.id, phase: 'decoding' })
    const problems: PixelProblem[] = []
    const onProblem = (p: PixelProblem) => {
      problems.push(p)
      io.emit({ type: 'problem', runId: run.id, ...p })
    }
    const transfer = cfg.preset === 'transfer' ? await loadBackbone(modelsDir(job.modelsDir), cfg.backbone!) : null
    disposables.push(() => transfer?.dispose())
    if (transfer && transfer.inputSize !== cfg.inputSize) {
      throw new ValidationError(`backbone ${transfer.name} takes ${transfer.inputSize}×${transfer.inputSize} input; input size ${cfg.inputSize} does not match`)
    }
    const spec = { size: cfg.inputSize, fit: cfg.fit }
    const scaling: Scaling = transfer?.scaling ?? 'unit'
    const hashes = new Map(datasets.items(version.id).map((i) => [i.imageId, i.hash]))
    /** The training split is larger than the pixel memory budget and streams from the disk cache. */
    let streamed = false
    /** Pixels of a split, or for transfer its cached backbone features. */
    const source = async (split: Split): Promise<Source> => {
      const items = datasets.items(version.id, split)
      if (transfer) {
        const f = await splitFeatures(studio.project.paths, transfer, items, spec, hashes, onProblem, cfg.batchSize)
        return featureSource(f.features, transfer.featureDim, f, k)
      }
      const set = await loadPixels(studio.project.paths, items, spec, onProblem)
      if (split === 'train' && !set.inMemory) streamed = true
      return pixelSource(set, k, scaling, split === 'train' ? cfg.augment : null)
    }
    const train = await source('train')
    const val = await source('val')
    runs.setProblems(run.id, problems)
    if (!train.imageIds.length) throw new StudioError('no training images could be read')

    model = transfer ? transferHead(transfer.featureDim, k, cfg.seed) : seedCnn(cfg.inputSize, k, cfg.seed)
    optimizer = makeOptimizer(cfg)
    classWeights = cfg.classWeights ? inverseFrequency(train.labels, k) : null
    model.compile({ optimizer, loss: classWeights ? weightedCrossEntropy(classWeights) : 'categoricalCrossentropy', metrics: ['accuracy'] })

    let state: TrainState = { epoch: 0, bestEpoch: null, bestValLoss: null, wait: 0 }
    if (job.resume && hasCheckpoint(ckptDir)) {
      state = await loadCheckpoint(ckptDir, model, optimizer)
      runs.truncateEpochs(run.id, state.epoch)
    } else if (job.resume) {
      runs.truncateEpochs(run.id, 0)
    }
    // Data-parallel threads where they help (the seed CNN on the single-threaded backends); after
    // a resume has loaded the checkpoint, so every replica starts from the same weights.
    const plan = transfer
      ? { workers: 1, why: `transfer trains a small head on cached features: one thread; features: ${transfer.path}` }
      : autoWorkers(backend.name, cfg.workers)
    let stepper: ParallelStepper | null = null
    if (plan.workers > 1) {
      stepper = await ParallelStepper.start(model, optimizer, {
        workers: plan.workers, backend: backend.name, maxBatch: cfg.batchSize, classWeights: classWeights ? (classWeights.dataSync() as Float32Array) : null,
      })
      const s = stepper
      disposables.push(() => void s.dispose())
    }
    const backendReason = `${backend.reason}; ${plan.why}${streamed ? '; training pixels stream from the disk cache (more than STUDIO_PIXEL_MEMORY_MB)' : ''}`
    runs.setBackend(run.id, backend.name, backend.version, backendReason)

    const batches = Math.ceil(train.imageIds.length / cfg.batchSize)
    io.emit({
      type: 'start', runId: run.id, backend: backend.name, backendVersion: backend.version, backendReason, workers: plan.workers,
      trainCount: train.imageIds.length, valCount: val.imageIds.length, epochs: cfg.epochs, batchesPerEpoch: batches, startEpoch: state.epoch,
    })
    io.emit({ type: 'phase', runId: run.id, phase: 'training' })
    const started = Date.now()
    let stepsDone = 0
    const totalSteps = (cfg.epochs - state.epoch) * batches
    for (let epoch = state.epoch + 1; epoch <= cfg.epochs; epoch++) {
      const t0 = Date.now()
      const order = shuffle(Array.from(train.imageIds, (_, i) => i), rng(mixSeed(cfg.seed, epoch)))
      const augRandom = rng(mixSeed(cfg.seed ^ 0x5eed, epoch))
      let lossSum = 0
      let accSum = 0
      let seen = 0
      // Batches are made in order (the augmentation draws stay in sequence); with worker threads the
      // next one is made while this thread waits for their gradients.
      const makeBatch = (b: number) => (b < batches ? train.batch(order.slice(b * cfg.batchSize, (b + 1) * cfg.batchSize), augRandom) : null)
      const ahead: { batch: ReturnType<typeof makeBatch> } = { batch: null }
      for (let b = 0; b < batches; b++) {
        // Let the event loop run (a cancel message, the parent going away) between batches:
        // trainOnBatch only yields to microtasks.
        await new Promise((resolve) => setImmediate(resolve))
        if (io.cancelled()) {
          ahead.batch?.xs.dispose()
          ahead.batch?.ys.dispose()
          return finish('cancelled', null)
        }
        const idx = order.slice(b * cfg.batchSize, (b + 1) * cfg.batchSize)
        const { xs, ys } = ahead.batch ?? makeBatch(b)!
        ahead.batch = null
        let out: number | number[]
        try {
          out = stepper ? await stepper.step(xs, ys, () => (ahead.batch = makeBatch(b + 1))) : await model.trainOnBatch(xs, ys)
        } finally {
          xs.dispose()
          ys.dispose()
        }
        const [loss, acc] = out as number[]
        if (!Number.isFinite(loss)) {
          throw new NanLossError(
            `loss became ${loss} at epoch ${epoch}, batch ${b + 1}; training stopped` +
              (state.epoch ? ` (the checkpoint of epoch ${state.epoch} is kept)` : '') + '. Try a lower learning rate.',
          )
        }
        lossSum += loss! * idx.length
        accSum += acc! * idx.length
        seen += idx.length
        stepsDone++
        const secs = (Date.now() - started) / 1000
        io.emit({
          type: 'batch', runId: run.id, epoch, batch: b + 1, batches, loss: loss!, accuracy: acc!,
          imagesPerSec: (stepsDone * cfg.batchSize) / Math.max(secs, 1e-3), etaSeconds: (secs / stepsDone) * (totalSteps - stepsDone),
        })
      }
      let valEval: ReturnType<typeof evaluateSet> | null = null
      try {
        valEval = val.imageIds.length ? evaluateSet(model, val, k, cfg.batchSize) : null
      } catch (err) {
        if (!(err instanceof NonFiniteOutputError)) throw err
        throw new NanLossError(
          `the model's outputs became NaN during epoch ${epoch}; training stopped` +
            (state.epoch ? ` (the checkpoint of epoch ${state.epoch} is kept)` : '') + '. Try a lower learning rate.',
        )
      }
      const valLoss = valEval?.loss ?? null
      const improved = valLoss !== null && (state.bestValLoss === null || valLoss < state.bestValLoss)
      state = {
        epoch,
        bestEpoch: improved ? epoch : state.bestEpoch ?? (valLoss === null ? epoch : null),
        bestValLoss: improved ? valLoss : state.bestValLoss,
        wait: improved || valLoss === null ? 0 : state.wait + 1,
      }
      const seconds = (Date.now() - t0) / 1000
      const record = { epoch, loss: lossSum / seen, accuracy: accSum / seen, valLoss, valAccuracy: valEval?.accuracy ?? null, seconds, imagesPerSec: seen / seconds }
      if (improved) await model.save(folderSaver(path.join(dir, 'best')))
      // With worker threads the optimizer's state lives in shared memory until now.
      await stepper?.syncOptimizer()
      await saveCheckpoint(ckptDir, model, optimizer, state)
      runs.recordEpoch(run.id, record, state.bestEpoch)
      const elapsed = (Date.now() - started) / 1000
      io.emit({ type: 'epoch', runId: run.id, ...record, etaSeconds: (elapsed / stepsDone) * (totalSteps - stepsDone), best: improved })
      if (cfg.patience !== null && state.wait >= cfg.patience) break
    }

    io.emit({ type: 'phase', runId: run.id, phase: 'evaluating' })
    if (cfg.restoreBest && state.bestEpoch !== null && state.bestEpoch !== state.epoch && fs.existsSync(path.join(dir, 'best'))) {
      const best = await tf.loadLayersModel(tf.io.fromMemory(readArtifacts(path.join(dir, 'best'))))
      model.setWeights(best.getWeights())
      best.dispose()
    }
    const testItems = datasets.items(version.id, 'test')
    const evalSplit = testItems.length ? 'test' : 'val'
    const evalSet = evalSplit === 'test' ? await source('test') : val
    runs.setProblems(run.id, problems)
    const probs = predictSet(model, evalSet, cfg.batchSize)
    const summary = { split: evalSplit, ...evaluatePredictions(probs, evalSet.labels, k) }
    studio.store.tx(() => {
      runs.replacePredictions(
        run.id,
        probs.map((p, i) => {
          const pred = argmax(p)
          return { imageId: evalSet.imageIds[i]!, trueIndex: evalSet.labels[i]!, predIndex: pred, confidence: p[pred]!, probs: p }
        }),
      )
      runs.setSummary(run.id, summary)
    })
    io.emit({ type: 'phase', runId: run.id, phase: 'saving' })
    // Transfer with a layers backbone: the saved model is backbone + head, so it classifies images
    // directly. A graph backbone cannot join a layers model: the head is saved with a copy of it.
    const final = transfer?.format === 'layers' ? combine(transfer, model as tf.Sequential) : model
    await final.save(folderSaver(path.join(dir, 'model')))
    const graph: GraphStage | null = transfer?.format === 'graph'
      ? saveGraphStage(paths, path.join(modelsDir(job.modelsDir), transfer.name), transfer.output!)
      : null
    writePreprocessing(paths, preprocessingOf(cfg, scaling, graph))
    return finish('done', null)
  } catch (err) {
    return finish('failed', errorMessage(err))
  } finally {
    model?.dispose()
    for (const d of disposables) d()
    optimizer?.dispose()
    classWeights?.dispose()
    studio.close()
  }
}

function makeOptimizer(cfg: TrainConfig): tf.Optimizer {
  if (cfg.optimizer === 'sgd') return tf.train.sgd(cfg.learningRate)
  if (cfg.optimizer === 'rmsprop') return tf.train.rmsprop(cfg.learningRate)
  return tf.train.adam(cfg.learningRate)
}

function inverseFrequency(labels: Int32Array, k: number): tf.Tensor1D {
  const counts = new Array<number>(k).fill(0)
  for (const l of labels) counts[l]!++
  return tf.tensor1d(counts.map((c) => (c ? labels.length / (k * c) : 0)))
}

function weightedCrossEntropy(weights: tf.Tensor1D) {
  return (yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor =>
    tf.tidy(() => {
      const ce = yTrue.mul(yPred.clipByValue(1e-7, 1 - 1e-7).log()).sum(-1).neg()
      return ce.mul(yTrue.mul(weights).sum(-1)).mean()
    })
}

function evaluateSet(model: tf.LayersModel, source: Source, k: number, batchSize: number) {
  return evaluatePredictions(predictSet(model, source, batchSize), source.labels, k)
}
