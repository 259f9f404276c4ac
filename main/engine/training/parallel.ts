import os from 'node:os'
import type { Worker } from 'node:worker_threads'
import * as tf from '@tensorflow/tfjs'
import { entryOf, startThread } from '../entries'
import type { BackendName } from './backend'
import { recipeOf } from './optimizer'
import type { FromShard, ToShard } from './protocol'
import {
  computeShard,
  loadWeights,
  predictShard,
  readInto,
  sharedMemory,
  storeWeights,
  updateShare,
  type SharedMemory,
} from './shard'
import {
  layoutOf,
  readOptimizerState,
  ruleOf,
  slotCount,
  writeOptimizerState,
  type Slice,
  type UpdateRule,
} from './update-rules'

/**
 * Synchronous data-parallel training over threads. The wasm backend runs one thread in Node, so a
 * second core only helps with a second backend: each worker thread holds its own TensorFlow.js and
 * a replica of the model. Every step the batch is cut into one shard per participant (this thread
 * is one of them); each computes the gradient of its share of the batch's mean loss into shared
 * memory; then each sums the gradients over its slice of the parameters and applies the
 * optimizer's rule there (update-rules.ts), so the update is spread over the threads too; then
 * every replica loads the new weights. Same seed, same batches, same updates: the run matches a
 * single-thread run up to float summation order. The optimizer's state lives in shared memory
 * while the stepper runs and goes back into the tf.Optimizer for checkpoints (syncOptimizer).
 */

export interface ParallelOptions {
  /** Participants including this thread (≥ 2). */
  workers: number
  backend: BackendName
  classWeights: Float32Array | null
  /** Label smoothing ε of the loss (losses.ts); default 0. */
  labelSmoothing?: number
  /** Largest batch a step will get (sizes the shared input buffers). */
  maxBatch: number
  /** Worker entry; default entryOf('shard-worker') (entries.ts: shard-worker.ts through tsx, or a build's .js). */
  entry?: string
}

/**
 * A run shorter than this on one thread trains on one: each extra participant starts its own
 * TensorFlow.js and wasm backend (1–2 s) and every step then waits for the slowest thread; the E2E
 * files' runs of 32–72 images took 1.5–2.1 s on one thread against 3.4–4.3 s on two.
 */
export const SHORT_RUN_SECONDS = 10

/** Most participants autoWorkers picks; see there. */
const MAX_AUTO_WORKERS = 4

/**
 * How many participants a step should have: one per core for the single-threaded backends, at
 * most MAX_AUTO_WORKERS. Why not every core: each participant adds a model replica (its own
 * TensorFlow.js heap) and a full gradient array to the shared memory, which has to stay under
 * wasm32's 4 GiB for the SIMD update kernels (the seed CNN at 224 px has 44 M weights: 177 MB per
 * participant); every step waits for the slowest thread twice, and a batch split more than four
 * ways leaves each thread a few images per step. Scaling was measured on 2 cores only
 * (bench/RESULTS.md); `workers` in the config asks for more.
 */
export function autoWorkers(
  backend: BackendName,
  requested: number | null,
  /** The whole training's estimated seconds on one thread, where the caller knows it. */
  oneThreadSeconds: number | null = null,
): { workers: number; why: string } {
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length
  if (requested !== null) return { workers: requested, why: `${requested} worker(s) by setting` }
  if (backend === 'tensorflow') return { workers: 1, why: 'the native backend uses every core itself' }
  if (cores < 2) return { workers: 1, why: 'one core' }
  if (oneThreadSeconds !== null && oneThreadSeconds < SHORT_RUN_SECONDS)
    return {
      workers: 1,
      why:
        `a short run (about ${Math.max(1, Math.round(oneThreadSeconds))} s of training on one core): ` +
        'a second worker would take longer to start than it saves',
    }
  const n = Math.min(cores, MAX_AUTO_WORKERS)
  const one = `(${backend} runs one thread per worker in Node)`
  if (n === cores) return { workers: n, why: `${n} data-parallel workers, one per core ${one}` }
  return {
    workers: n,
    why:
      `${n} data-parallel workers on ${cores} cores ${one}; more would each add a model replica and a gradient ` +
      'copy for a smaller share of every batch (set workers to use more)',
  }
}

export class ParallelStepper {
  private iteration = 0
  /** The step after which the threads last took the model's non-trainable weights (-1: never). */
  private stateAt = -1

  private constructor(
    private readonly model: tf.LayersModel,
    private readonly optimizer: tf.Optimizer,
    private readonly threads: Worker[],
    private readonly classWeights: tf.Tensor | null,
    private readonly mem: SharedMemory,
    private readonly slices: Slice[],
    private readonly rule: UpdateRule,
    private readonly labelSmoothing: number,
  ) {}

  static async start(model: tf.LayersModel, optimizer: tf.Optimizer, opts: ParallelOptions): Promise<ParallelStepper> {
    const entry = opts.entry ?? entryOf('shard-worker', import.meta.url)
    const rule = ruleOf(optimizer)
    const { slices, total } = layoutOf(model.trainableWeights.map((w) => w.shape as number[]))
    const xRow = (model.inputs[0]!.shape.slice(1) as number[]).reduce((a, b) => a * b, 1)
    const yRow = model.outputs[0]!.shape.at(-1) as number
    const mem = sharedMemory(total, opts.workers, slotCount(rule), opts.maxBatch * xRow, opts.maxBatch * yRow)
    storeWeights(model, mem.weights, slices)
    const stepper = new ParallelStepper(
      model,
      optimizer,
      [],
      opts.classWeights ? tf.tensor1d(opts.classWeights) : null,
      mem,
      slices,
      rule,
      opts.labelSmoothing ?? 0,
    )
    stepper.iteration = await readOptimizerState(optimizer, slices, mem.slots)
    try {
      for (let i = 1; i < opts.workers; i++) stepper.threads.push(startThread(entry))
      await Promise.all(
        stepper.threads.map((t, i) =>
          ask(t, {
            type: 'init',
            part: i + 1,
            backend: opts.backend,
            topology: model.toJSON(undefined, false),
            mem,
            slices,
            rule,
            classWeights: opts.classWeights,
            labelSmoothing: opts.labelSmoothing ?? 0,
          }),
        ),
      )
    } catch (err) {
      await stepper.dispose()
      throw err
    }
    return stepper
  }

  /**
   * One synchronous step over the whole batch; returns its mean loss and accuracy. Every
   * participant computes its shard's gradients, then updates its slice of the weights from the
   * sum of all of them; then every replica loads the new weights. `meanwhile` runs on this thread
   * after its own shard, while the others finish theirs (the trainer makes the next batch there).
   */
  async step(xs: tf.Tensor, ys: tf.Tensor, meanwhile: () => void = () => {}): Promise<[number, number]> {
    const n = xs.shape[0]!
    const { mem, slices } = this
    const parts = this.threads.length + 1
    readInto(xs, mem.xs, 0)
    readInto(ys, mem.ys, 0)
    const computed = this.threads.map((t) => ask(t, { type: 'step', n }))
    // If this thread's shard throws, the threads' answers are still awaited by nobody.
    for (const c of computed) c.catch(() => {})
    computeShard(this.model, mem, 0, n, this.classWeights, slices, this.labelSmoothing)
    meanwhile()
    await Promise.all(computed)
    const iteration = this.iteration
    // The rate the optimizer holds now: the schedule (schedule.ts) set it before this step.
    const { lr } = recipeOf(this.optimizer)
    const updated = this.threads.map((t) => ask(t, { type: 'update', iteration, lr }))
    updateShare({ ...this.rule, lr }, iteration, mem, 0, slices)
    await Promise.all(updated)
    this.iteration++
    loadWeights(this.model, mem.weights, slices)
    let lossSum = 0
    let correct = 0
    for (let p = 0; p < parts; p++) {
      lossSum += mem.stats[2 * p]!
      correct += mem.stats[2 * p + 1]!
    }
    return [lossSum / n, correct / n]
  }

  /**
   * Class probabilities of a batch (at most the stepper's batch size; rows × classes, flat), every
   * participant predicting its share of the rows with the current weights: what model.predict gives,
   * on all the threads.
   */
  async predict(xs: tf.Tensor): Promise<Float32Array> {
    const n = xs.shape[0]!
    const { mem } = this
    const k = this.model.outputs[0]!.shape.at(-1) as number
    // More rows than the shared memory holds: this thread alone.
    if (xs.size > mem.xs.length) return tf.tidy(() => (this.model.predict(xs) as tf.Tensor).dataSync() as Float32Array)
    await this.shareState()
    readInto(xs, mem.xs, 0)
    const computed = this.threads.map((t) => ask(t, { type: 'predict', n }))
    for (const c of computed) c.catch(() => {})
    predictShard(this.model, mem, 0, n)
    await Promise.all(computed)
    return mem.ys.slice(0, n * k)
  }

  /**
   * Gives every thread this model's non-trainable weights (batch normalization's moving statistics,
   * which each replica otherwise updates from its own shard), once per step that changed them, so
   * all participants predict with the weights the trainer saves.
   */
  private async shareState(): Promise<void> {
    const state = this.model.nonTrainableWeights
    if (!state.length || this.stateAt === this.iteration) return
    const values = state.map((w) => (w.read().dataSync() as Float32Array).slice())
    await Promise.all(this.threads.map((t) => ask(t, { type: 'state', values })))
    this.stateAt = this.iteration
  }

  /**
   * The model's weights as they are now (e.g. the best epoch's, restored) into the shared memory and
   * every thread's replica, before predictions.
   */
  async loadModelWeights(): Promise<void> {
    storeWeights(this.model, this.mem.weights, this.slices)
    this.stateAt = -1
    await Promise.all(this.threads.map((t) => ask(t, { type: 'reload' })))
  }

  /** Writes the optimizer state kept in shared memory back into the optimizer (before a checkpoint). */
  async syncOptimizer(): Promise<void> {
    const names = this.model.trainableWeights.map((w) => (w.read() as tf.Variable).name)
    await writeOptimizerState(this.optimizer, names, this.slices, this.mem.slots, this.iteration)
  }

  async dispose(): Promise<void> {
    this.classWeights?.dispose()
    await Promise.all(this.threads.map((t) => t.terminate()))
  }
}

/** Sends a message and waits for the thread's reply (one request at a time per thread). */
function ask(t: Worker, msg: ToShard): Promise<FromShard> {
  return askThread<FromShard>(t, msg, 'training worker').then((r) => {
    if (r.type === 'error') throw new Error(`training worker: ${r.message}`)
    return r
  })
}

/**
 * Posts `msg` to a thread and resolves with its next reply, whatever it says; rejects when the
 * thread fails or exits first (`name` says which thread in that message).
 */
export function askThread<R>(t: Worker, msg: unknown, name: string): Promise<R> {
  return new Promise((resolve, reject) => {
    const done = (f: () => void) => {
      t.off('message', onMessage)
      t.off('error', onError)
      t.off('exit', onExit)
      f()
    }
    const onMessage = (r: R) => done(() => resolve(r))
    const onError = (err: Error) => done(() => reject(err))
    const onExit = (code: number) => done(() => reject(new Error(`${name} exited (code ${code})`)))
    t.on('message', onMessage)
    t.on('error', onError)
    t.on('exit', onExit)
    t.postMessage(msg)
  })
}
