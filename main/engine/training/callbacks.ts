import type * as tf from '@tensorflow/tfjs'
import { StudioError } from '../errors'
import type { RunPaths } from '../runs'
import type { Store } from '../store'
import { saveCheckpoint, type TrainState } from './checkpoint'
import type { TrainEvent } from './events'
import type { Callback } from './fit'
import { folderSaver } from './model-io'
import type { ParallelStepper } from './parallel'

/**
 * The trainer's callbacks (fit.ts), in the order the trainer lists them: a NaN stop before
 * anything is saved, early stopping (which keeps the trainer state), checkpoints, progress events.
 * `state` is one object they share: what the checkpoint saves and resume starts from.
 */

/** A run stopped because its loss stopped being a number. */
export class NanLossError extends StudioError {}

/** Fails the run when the loss or the model's outputs stop being numbers; the last checkpoint stays. */
export function nanStop(state: TrainState): Callback {
  const stopped = (what: string) =>
    new NanLossError(
      `${what}; training stopped` +
        (state.epoch ? ` (the checkpoint of epoch ${state.epoch} is kept)` : '') +
        '. Try a lower learning rate.',
    )
  return {
    onBatchEnd: (l) => {
      if (!Number.isFinite(l.loss)) throw stopped(`loss became ${l.loss} at epoch ${l.epoch}, batch ${l.batch}`)
    },
    onEpochEnd: (l) => {
      if (l.valLoss !== null && !Number.isFinite(l.valLoss))
        throw stopped(`the model's outputs became NaN during epoch ${l.epoch}`)
    },
  }
}

/**
 * Tracks the best epoch (lowest validation loss; without validation, the first) and stops after
 * `patience` epochs without a better one (null: never). Marks the logs `best`.
 */
export function earlyStopping(state: TrainState, patience: number | null): Callback {
  return {
    onEpochEnd: (l, control) => {
      const improved = l.valLoss !== null && (state.bestValLoss === null || l.valLoss < state.bestValLoss)
      state.bestEpoch = improved ? l.epoch : (state.bestEpoch ?? (l.valLoss === null ? l.epoch : null))
      state.bestValLoss = improved ? l.valLoss : state.bestValLoss
      state.wait = improved || l.valLoss === null ? 0 : state.wait + 1
      state.epoch = l.epoch
      l.best = improved
      if (patience !== null && state.wait >= patience) control.stopTraining = true
    },
  }
}

export interface CheckpointTarget {
  model: tf.LayersModel
  optimizer: tf.Optimizer
  stepper: ParallelStepper | null
  paths: RunPaths
  runs: Store['runs']
  runId: number
}

/** After each epoch: the best weights so far, the checkpoint (weights, optimizer, state), the epoch row. */
export function checkpointing(t: CheckpointTarget, state: TrainState): Callback {
  return {
    onEpochEnd: async (l) => {
      if (l.best) await t.model.save(folderSaver(t.paths.best))
      // With worker threads the optimizer's state lives in shared memory until now.
      await t.stepper?.syncOptimizer()
      await saveCheckpoint(t.paths.checkpoint, t.model, t.optimizer, state)
      const { epoch, loss, accuracy, valLoss, valAccuracy, seconds, imagesPerSec } = l
      t.runs.recordEpoch(
        t.runId,
        { epoch, loss, accuracy, valLoss, valAccuracy, seconds, imagesPerSec },
        state.bestEpoch,
      )
    },
  }
}

/** Batch and epoch events with images/s and the time left; `steps` is the number of batches this fit will run. */
export function progress(emit: (e: TrainEvent) => void, runId: number, steps: number, batchSize: number): Callback {
  let started = 0
  let done = 0
  const elapsed = () => (Date.now() - started) / 1000
  const eta = (secs: number) => (secs / done) * (steps - done)
  return {
    onTrainBegin: () => {
      started = Date.now()
    },
    onBatchEnd: (l) => {
      done++
      const secs = elapsed()
      const imagesPerSec = (done * batchSize) / Math.max(secs, 1e-3)
      const { epoch, batch, batches, loss, accuracy } = l
      emit({ type: 'batch', runId, epoch, batch, batches, loss, accuracy, imagesPerSec, etaSeconds: eta(secs) })
    },
    onEpochEnd: (l) => {
      const { epoch, loss, accuracy, valLoss, valAccuracy, seconds, imagesPerSec, best } = l
      emit({
        type: 'epoch',
        runId,
        epoch,
        loss,
        accuracy,
        valLoss,
        valAccuracy,
        seconds,
        imagesPerSec,
        etaSeconds: eta(elapsed()),
        best,
      })
    },
  }
}
