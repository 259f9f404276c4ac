import fs from 'node:fs'
import * as tf from '@tensorflow/tfjs'
import { errorMessage, NotFoundError } from '../errors'
import { runPaths } from '../runs'
import { Studio } from '../studio'
import { nowIso } from '../util'
import { checkpointing, earlyStopping, nanStop, progress } from './callbacks'
import type { TrainState } from './checkpoint'
import type { TrainConfig } from './config'
import type { TrainEvent } from './events'
import { finalize } from './finalize'
import { fit, type Callback } from './fit'
import { prepare, Resources, type Prepared } from './prepare'
import { storedConfig } from './recipe'
import { isScheduled, learningRateSchedule, type RateSetter } from './schedule'
import { presets, type PresetRegistry } from './presets/registry'
import type { TrainJob } from './protocol'
import { bundledModelsDir, modelsDir } from './backbones'

export interface TrainIO {
  emit(e: TrainEvent): void
  cancelled(): boolean
}

/**
 * Trains one run to the end (or cancel/failure): prepare (data, model, workers), fit (the epoch
 * loop and its callbacks), finalize (evaluation, predictions, the saved model). Runs in the
 * training child process; tests may call it in-process, with their own presets. Disposes every
 * tensor it makes.
 */
export async function runTraining(
  job: TrainJob,
  io: TrainIO,
  registry: PresetRegistry = presets,
): Promise<'done' | 'failed' | 'cancelled'> {
  const studio = Studio.open(job.projectDir, { nativeBinding: job.nativeBinding })
  const { runs } = studio.store
  const run = runs.get(job.runId)
  if (!run) throw new NotFoundError(`run ${job.runId} does not exist`)
  // Configs stored before the recipe lack its fields: such a run resumes without it.
  const cfg = storedConfig(JSON.parse(run.config) as TrainConfig)
  const paths = runPaths(studio.root, run.id)
  fs.mkdirSync(paths.dir, { recursive: true })
  const res = new Resources()
  const emit = (e: TrainEvent) => io.emit(e)
  const finish = (status: 'done' | 'failed' | 'cancelled', error: string | null) => {
    runs.finish(run.id, status, nowIso(), error)
    emit({ type: 'end', runId: run.id, status, error })
    return status
  }
  try {
    const p = await prepare(
      {
        studio,
        run,
        cfg,
        paths,
        resume: job.resume,
        modelsDir: modelsDir(job.modelsDir),
        bundledModelsDir: job.bundledModelsDir ?? bundledModelsDir(),
        registry,
        emit,
      },
      res,
    )
    emit({ type: 'phase', runId: run.id, phase: 'training' })
    const batches = Math.ceil(p.train.imageIds.length / cfg.batchSize)
    const ended = await fit(
      p,
      {
        epochs: cfg.epochs,
        batchSize: cfg.batchSize,
        seed: cfg.seed,
        initialEpoch: p.state.epoch,
        cancelled: () => io.cancelled(),
      },
      [
        ...learning(cfg, p.optimizer, p.state),
        checkpointing({ ...p, runs }, p.state),
        progress(emit, run.id, (cfg.epochs - p.state.epoch) * batches, cfg.batchSize),
      ],
    )
    if (ended === 'cancelled') return finish('cancelled', null)
    if (p.preset.afterFit) {
      const after = await p.preset.afterFit({
        model: p.model,
        state: p.state,
        paths: p.paths,
        cancelled: () => io.cancelled(),
        onEpoch: (l) => {
          runs.recordEpoch(run.id, l, p.state.bestEpoch)
          emit({ type: 'epoch', runId: run.id, ...l, etaSeconds: 0 })
        },
        trainMember: (m, seed) => trainMember(p, m, seed, () => io.cancelled()),
      })
      if (after === 'cancelled') return finish('cancelled', null)
      p.val = await p.preset.source('val')
    }
    await finalize(p, studio.store, emit, studio.project.paths)
    return finish('done', null)
  } catch (err) {
    return finish('failed', errorMessage(err))
  } finally {
    res.freeAll()
    studio.close()
  }
}

/** The callbacks that shape what a model learns — the schedule, the NaN stop, early stopping — for the run and its members alike. */
function learning(cfg: TrainConfig, optimizer: RateSetter, state: TrainState): Callback[] {
  return [
    ...(isScheduled(cfg.schedule, cfg.warmupEpochs) ? [learningRateSchedule(optimizer, cfg)] : []),
    nanStop(state),
    earlyStopping(state, cfg.patience),
  ]
}

/**
 * AfterFit's trainMember: `m` trained on the run's data as the run's own model was (compiled
 * alike, the schedule, the NaN stop, early stopping on val), on this thread, batches shuffled by
 * `seed`; left holding its best val epoch's weights where the config restores the best (with no
 * val split, its last). Records and saves nothing.
 */
async function trainMember(
  p: Prepared,
  m: tf.LayersModel,
  seed: number,
  cancelled: () => boolean,
): Promise<'done' | 'cancelled'> {
  const { cfg } = p
  const optimizer = p.compile(m)
  const state: TrainState = { epoch: 0, bestEpoch: null, bestValLoss: null, wait: 0 }
  let best: tf.Tensor[] = []
  const keepBest: Callback = {
    onEpochEnd: (l) => {
      if (!l.best) return
      tf.dispose(best)
      best = m.getWeights().map((w) => w.clone())
    },
  }
  try {
    const ended = await fit(
      { model: m, stepper: null, train: p.train, val: p.val },
      { epochs: cfg.epochs, batchSize: cfg.batchSize, seed, initialEpoch: 0, cancelled },
      [...learning(cfg, optimizer, state), keepBest],
    )
    if (ended === 'done' && cfg.restoreBest && best.length) m.setWeights(best)
    return ended
  } finally {
    tf.dispose(best)
    optimizer.dispose()
  }
}
