import * as tf from '@tensorflow/tfjs'
import { evaluate } from '../evaluation/metrics'
import { mixSeed, rng, shuffle } from '../random'
import type { ParallelStepper } from './parallel'
import { NonFiniteOutputError, predictOn } from './predict'
import type { Source } from './sources'

/**
 * The training loop, in the shape of tfjs-layers' fitLoop: epochs of seeded shuffled batches,
 * validation after each epoch, and everything else — progress, early stopping, checkpoints, the
 * NaN stop — in callbacks (callbacks.ts).
 */

export interface BatchLogs {
  epoch: number
  /** 1-based. */
  batch: number
  batches: number
  /** Images in this batch. */
  size: number
  loss: number
  accuracy: number
}

export interface EpochLogs {
  epoch: number
  /** Training loss and accuracy, averaged over the epoch's images. */
  loss: number
  accuracy: number
  /** null without a validation split; NaN when the model's outputs stopped being numbers. */
  valLoss: number | null
  valAccuracy: number | null
  seconds: number
  imagesPerSec: number
  /** The best epoch so far (lowest validation loss); set by earlyStopping. */
  best: boolean
}

/** What callbacks may change about the loop (tfjs-layers' `model.stopTraining`). */
export interface FitControl {
  /** Set to end training after the current epoch. */
  stopTraining: boolean
}

/** Called at the points of the loop; awaited in list order, so a later callback sees what an earlier one did. */
export interface Callback {
  onTrainBegin?(): void | Promise<void>
  /** Before a batch's step (the learning-rate schedule sets the step's rate here). */
  onBatchBegin?(logs: Pick<BatchLogs, 'epoch' | 'batch' | 'batches'>): void | Promise<void>
  onBatchEnd?(logs: BatchLogs): void | Promise<void>
  onEpochEnd?(logs: EpochLogs, control: FitControl): void | Promise<void>
}

export interface FitData {
  model: tf.LayersModel
  /** Data-parallel threads; null: one thread (model.trainOnBatch). */
  stepper: ParallelStepper | null
  train: Source
  /** Empty: no validation. */
  val: Source
}

export interface FitOptions {
  epochs: number
  batchSize: number
  seed: number
  /** Epochs already done (resume). */
  initialEpoch: number
  /** Checked before every batch. */
  cancelled(): boolean
}

export async function fit(data: FitData, opts: FitOptions, callbacks: Callback[]): Promise<'done' | 'cancelled'> {
  const { model, stepper, train, val } = data
  const { batchSize } = opts
  const control: FitControl = { stopTraining: false }
  for (const c of callbacks) await c.onTrainBegin?.()
  const batches = Math.ceil(train.imageIds.length / batchSize)
  for (let epoch = opts.initialEpoch + 1; epoch <= opts.epochs && !control.stopTraining; epoch++) {
    const t0 = Date.now()
    const order = shuffle(
      Array.from(train.imageIds, (_, i) => i),
      rng(mixSeed(opts.seed, epoch)),
    )
    const augRandom = rng(mixSeed(opts.seed ^ 0x5eed, epoch))
    const rows = (b: number) => order.slice(b * batchSize, (b + 1) * batchSize)
    let lossSum = 0
    let accSum = 0
    let seen = 0
    // Batches are made in order (the augmentation draws stay in sequence); with worker threads the
    // next one is made while this thread waits for their gradients.
    const makeBatch = (b: number) => (b < batches ? train.batch(rows(b), augRandom) : null)
    // A holder, not a variable: the step's callback fills it.
    const ahead: { batch: ReturnType<typeof makeBatch> } = { batch: null }
    try {
      for (let b = 0; b < batches; b++) {
        // Let the event loop run (a cancel message, the parent going away) between batches:
        // trainOnBatch only yields to microtasks.
        await new Promise((resolve) => setImmediate(resolve))
        if (opts.cancelled()) return 'cancelled'
        for (const c of callbacks) await c.onBatchBegin?.({ epoch, batch: b + 1, batches })
        const { xs, ys } = ahead.batch ?? makeBatch(b)!
        ahead.batch = null
        let out: number | number[]
        try {
          out = stepper
            ? await stepper.step(xs, ys, () => (ahead.batch = makeBatch(b + 1)))
            : await model.trainOnBatch(xs, ys)
        } finally {
          tf.dispose([xs, ys])
        }
        const [loss, accuracy] = out as [number, number]
        const size = rows(b).length
        lossSum += loss * size
        accSum += accuracy * size
        seen += size
        for (const c of callbacks) await c.onBatchEnd?.({ epoch, batch: b + 1, batches, size, loss, accuracy })
      }
    } finally {
      // A batch made ahead and never used: cancel, or a step or callback that threw.
      if (ahead.batch) tf.dispose([ahead.batch.xs, ahead.batch.ys])
    }
    const v = await validate(model, val, batchSize, stepper)
    const seconds = (Date.now() - t0) / 1000
    const logs: EpochLogs = {
      epoch,
      loss: lossSum / seen,
      accuracy: accSum / seen,
      valLoss: v?.loss ?? null,
      valAccuracy: v?.accuracy ?? null,
      seconds,
      imagesPerSec: seen / seconds,
      best: false,
    }
    for (const c of callbacks) await c.onEpochEnd?.(logs, control)
  }
  return 'done'
}

/**
 * Loss and accuracy on the validation split; NaN when the model's outputs are not numbers. With
 * data-parallel threads every one of them predicts a share of each batch (their replicas hold the
 * weights the last step left, which are the model's).
 */
async function validate(
  model: tf.LayersModel,
  val: Source,
  batchSize: number,
  stepper: ParallelStepper | null,
): Promise<{ loss: number; accuracy: number } | null> {
  if (!val.imageIds.length) return null
  const k = model.outputs[0]!.shape[1] as number
  try {
    const { loss, accuracy } = evaluate(await predictOn(model, val, batchSize, stepper), val.labels, k)
    return { loss, accuracy }
  } catch (err) {
    if (err instanceof NonFiniteOutputError) return { loss: NaN, accuracy: NaN }
    throw err
  }
}
