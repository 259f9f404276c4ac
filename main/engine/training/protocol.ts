/**
 * The messages between the training processes and threads, one union per direction, imported by
 * both ends: runner.ts (parent) ↔ worker.ts (training child process), and parallel.ts (the
 * trainer's thread) ↔ shard-worker.ts (data-parallel threads).
 */
import type * as tf from '@tensorflow/tfjs'
import type { BackendName } from './backend'
import type { TrainEvent } from './events'
import type { SharedMemory } from './shard'
import type { Slice, UpdateRule } from './update-rules'

/** One run for the training process to train. */
export interface TrainJob {
  projectDir: string
  runId: number
  /** Continue from the run's last checkpoint. */
  resume: boolean
  /** Folder of pretrained backbones (transfer preset); default STUDIO_MODELS_DIR or ~/.studio/models. */
  modelsDir?: string | null
  /** The backbones Studio ships, as the parent found them (a packaged app's resources); default: resources/models. */
  bundledModelsDir?: string | null
  /** better-sqlite3 build for the runtime (the Electron app's, when it forks this process). */
  nativeBinding?: string
}

/** runner.ts → worker.ts. `cancel` stops after the current batch. */
export type ToTrainer = { type: 'start'; job: TrainJob } | { type: 'cancel' }

/** worker.ts → runner.ts: the run's events, then `exit` once they have all been sent. */
export type FromTrainer = TrainEvent | { type: 'exit' }

/**
 * parallel.ts → shard-worker.ts. `init` once (backend, model topology, shared memory); then per
 * step a `step` (compute the shard's gradients of the batch's first n rows) and an `update`
 * (apply the optimizer to this thread's slice of the weights).
 */
export type ToShard =
  | {
      type: 'init'
      /** This thread's participant index (the trainer's thread is 0). */
      part: number
      backend: BackendName
      /** The replica's architecture: the model's own toJSON (weights come from the shared memory). */
      topology: ReturnType<tf.LayersModel['toJSON']>
      mem: SharedMemory
      slices: Slice[]
      rule: UpdateRule
      classWeights: Float32Array | null
      /** Label smoothing ε of the loss (losses.ts). */
      labelSmoothing: number
    }
  | { type: 'step'; n: number }
  /** Predict this participant's rows of an n-row batch of the shared inputs into the shared outputs (predictShard). */
  | { type: 'predict'; n: number }
  /** `lr`: this step's learning rate (the schedule's). */
  | { type: 'update'; iteration: number; lr: number }
  /**
   * The trainer's values of the model's non-trainable weights (batch normalization's moving mean
   * and variance), in model.nonTrainableWeights order: the replica takes them before it predicts.
   */
  | { type: 'state'; values: Float32Array[] }
  /** The shared weights were set from the trainer's model (not by a step): load them before the next shard. */
  | { type: 'reload' }

/** shard-worker.ts → parallel.ts: one reply per message. */
export type FromShard = { type: 'ready' } | { type: 'done' } | { type: 'error'; message: string }
