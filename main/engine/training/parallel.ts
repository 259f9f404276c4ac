import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import * as tf from '@tensorflow/tfjs'
import type { BackendName } from './backend'

/**
 * Synchronous data-parallel training over threads. The wasm backend runs one thread in Node, so a
 * second core only helps with a second backend: each worker thread holds its own TensorFlow.js and
 * a replica of the model. Every step the batch is cut into one shard per participant (this thread
 * is one of them); each computes the gradient of its share of the batch's mean loss; this thread
 * sums them, applies them with the one optimizer (whose state is what checkpoints keep) and sends
 * the new weights back. Same seed, same batches, same updates: the run matches a single-thread run
 * up to float summation order.
 */

/** Per-example categorical cross-entropy, as tfjs-layers computes it (normalise, clip, −Σ y log p). */
export function exampleLosses(yTrue: tf.Tensor, yPred: tf.Tensor, classWeights: tf.Tensor | null): tf.Tensor1D {
  return tf.tidy(() => {
    const p = yPred.div(yPred.sum(-1, true)).clipByValue(1e-7, 1 - 1e-7)
    const ce = yTrue.mul(p.log()).sum(-1).neg()
    return (classWeights ? ce.mul(yTrue.mul(classWeights).sum(-1)) : ce) as tf.Tensor1D
  })
}

/** Gradients of (Σ shard losses) / batchSize, the shard's summed loss and its number of hits. */
export function shardGradients(
  model: tf.LayersModel,
  xs: tf.Tensor,
  ys: tf.Tensor,
  batchSize: number,
  classWeights: tf.Tensor | null,
): { grads: tf.Tensor[]; lossSum: number; correct: number } {
  let lossSum = 0
  let correct = 0
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable)
  const { grads } = tf.variableGrads(() => {
    const pred = model.apply(xs, { training: true }) as tf.Tensor
    const losses = exampleLosses(ys, pred, classWeights)
    const sum = losses.sum()
    lossSum = sum.dataSync()[0]!
    correct = tf.tidy(() => pred.argMax(-1).equal(ys.argMax(-1)).sum().dataSync()[0]!)
    return sum.div(batchSize) as tf.Scalar
  }, vars)
  return { grads: vars.map((v) => grads[v.name]!), lossSum, correct }
}

export interface ParallelOptions {
  /** Participants including this thread (≥ 2). */
  workers: number
  backend: BackendName
  classWeights: Float32Array | null
  /** Worker entry; default shard-worker.ts beside this file (tsx) or shard-worker.js in a build. */
  entry?: string
}

type Reply = { type: 'ready' } | { type: 'grads'; grads: Float32Array[]; lossSum: number; correct: number } | { type: 'error'; message: string }

/** How many participants a step should have: one per core for the single-threaded backends. */
export function autoWorkers(backend: BackendName, requested: number | null): { workers: number; why: string } {
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length
  if (requested !== null) return { workers: requested, why: `${requested} worker(s) by setting` }
  if (backend === 'tensorflow') return { workers: 1, why: 'the native backend uses every core itself' }
  if (cores < 2) return { workers: 1, why: 'one core' }
  const n = Math.min(cores, 4)
  return { workers: n, why: `${n} data-parallel workers, one per core (${backend} runs one thread per worker in Node)` }
}

export class ParallelStepper {
  private constructor(
    private readonly model: tf.LayersModel,
    private readonly optimizer: tf.Optimizer,
    private readonly threads: Worker[],
    private readonly classWeights: tf.Tensor | null,
  ) {}

  static async start(model: tf.LayersModel, optimizer: tf.Optimizer, opts: ParallelOptions): Promise<ParallelStepper> {
    const entry = opts.entry ?? defaultShardEntry()
    const threads: Worker[] = []
    try {
      for (let i = 1; i < opts.workers; i++) threads.push(spawnThread(entry))
      const init = {
        type: 'init',
        backend: opts.backend,
        topology: model.toJSON(undefined, false),
        weights: weightData(model),
        classWeights: opts.classWeights,
      }
      await Promise.all(threads.map((t) => ask(t, init)))
    } catch (err) {
      await Promise.all(threads.map((t) => t.terminate()))
      throw err
    }
    return new ParallelStepper(model, optimizer, threads, opts.classWeights ? tf.tensor1d(opts.classWeights) : null)
  }

  /**
   * One synchronous step over the whole batch; returns its mean loss and accuracy. `meanwhile`
   * runs on this thread after its own shard, while the other threads finish theirs (the trainer
   * makes the next batch there).
   */
  async step(xs: tf.Tensor, ys: tf.Tensor, meanwhile: () => void = () => {}): Promise<[number, number]> {
    const n = xs.shape[0]!
    const parts = this.threads.length + 1
    const per = Math.ceil(n / parts)
    const xData = xs.dataSync() as Float32Array
    const yData = ys.dataSync() as Float32Array
    const xRow = xData.length / n
    const yRow = yData.length / n
    // Shards 1… go to the threads (copies, transferred); shard 0 stays here.
    const pending = this.threads.map((t, i) => {
      const a = Math.min(n, (i + 1) * per)
      const b = Math.min(n, (i + 2) * per)
      if (b <= a) return null // a short last batch: nothing for this thread
      const x = xData.slice(a * xRow, b * xRow)
      const y = yData.slice(a * yRow, b * yRow)
      return ask(t, { type: 'step', xs: x, ys: y, xShape: [b - a, ...xs.shape.slice(1)], yShape: [b - a, yRow], batchSize: n }, [x.buffer, y.buffer])
    })
    const own = Math.min(per, n)
    const mine = tf.tidy(() => {
      const x0 = xs.slice(0, own)
      const y0 = ys.slice(0, own)
      const r = shardGradients(this.model, x0, y0, n, this.classWeights)
      return { ...r, grads: r.grads.map((g) => tf.keep(g)) }
    })
    meanwhile()
    const replies = (await Promise.all(pending.filter((p) => p !== null))) as Extract<Reply, { type: 'grads' }>[]
    let lossSum = mine.lossSum
    let correct = mine.correct
    const vars = this.model.trainableWeights.map((w) => w.read() as tf.Variable)
    const named: tf.NamedTensorMap = {}
    tf.tidy(() => {
      vars.forEach((v, k) => {
        let g = mine.grads[k]!
        for (const r of replies) g = g.add(tf.tensor(r.grads[k]!, v.shape))
        named[v.name] = tf.keep(g)
      })
    })
    for (const r of replies) {
      lossSum += r.lossSum
      correct += r.correct
    }
    this.optimizer.applyGradients(named)
    // With no thread replies (a one-image batch) the sums are this thread's own gradients.
    for (const g of new Set([...mine.grads, ...Object.values(named)])) g.dispose()
    // Everyone continues from the same weights.
    const weights = weightData(this.model)
    for (const t of this.threads) t.postMessage({ type: 'weights', weights })
    return [lossSum / n, correct / n]
  }

  async dispose(): Promise<void> {
    this.classWeights?.dispose()
    await Promise.all(this.threads.map((t) => t.terminate()))
  }
}

function weightData(model: tf.LayersModel): Float32Array[] {
  return model.trainableWeights.map((w) => w.read().dataSync() as Float32Array)
}

/** Sends a message and waits for the thread's reply (one request at a time per thread). */
function ask(t: Worker, msg: unknown, transfer: ArrayBuffer[] = []): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const onMessage = (r: Reply) => {
      cleanup()
      if (r.type === 'error') reject(new Error(`training worker: ${r.message}`))
      else resolve(r)
    }
    const onError = (err: Error) => {
      cleanup()
      reject(err)
    }
    const onExit = (code: number) => {
      cleanup()
      reject(new Error(`training worker exited (code ${code})`))
    }
    const cleanup = () => {
      t.off('message', onMessage)
      t.off('error', onError)
      t.off('exit', onExit)
    }
    t.on('message', onMessage)
    t.on('error', onError)
    t.on('exit', onExit)
    t.postMessage(msg, transfer)
  })
}

/** A worker thread on `entry`; a .ts entry (running from source) loads through tsx's ESM hooks. */
function spawnThread(entry: string): Worker {
  if (!entry.endsWith('.ts')) return new Worker(entry)
  const api = import.meta.resolve('tsx/esm/api')
  const code = `import(${JSON.stringify(api)}).then((t) => { t.register(); return import(${JSON.stringify(pathToFileURL(entry).href)}) })`
  return new Worker(code, { eval: true })
}

function defaultShardEntry(): string {
  const here = fileURLToPath(import.meta.url)
  return path.join(path.dirname(here), here.endsWith('.ts') ? 'shard-worker.ts' : 'shard-worker.js')
}
