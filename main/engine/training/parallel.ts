import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import * as tf from '@tensorflow/tfjs'
import type { BackendName } from './backend'
import { exampleLosses } from './losses'
import type { FromShard, ToShard } from './protocol'
import { updateKernels } from './simd'
import {
  applyUpdate,
  applyUpdateSimd,
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
  const { value, grads } = tf.variableGrads(() => {
    const pred = model.apply(xs, { training: true }) as tf.Tensor
    const losses = exampleLosses(ys, pred, classWeights)
    const sum = losses.sum()
    lossSum = sum.dataSync()[0]!
    correct = tf.tidy(() => pred.argMax(-1).equal(ys.argMax(-1)).sum().dataSync()[0]!)
    return sum.div(batchSize) as tf.Scalar
  }, vars)
  value.dispose()
  return { grads: vars.map((v) => grads[v.name]!), lossSum, correct }
}

export interface ParallelOptions {
  /** Participants including this thread (≥ 2). */
  workers: number
  backend: BackendName
  classWeights: Float32Array | null
  /** Largest batch a step will get (sizes the shared input buffers). */
  maxBatch: number
  /** Worker entry; default shard-worker.ts beside this file (tsx) or shard-worker.js in a build. */
  entry?: string
}

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
export function autoWorkers(backend: BackendName, requested: number | null): { workers: number; why: string } {
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length
  if (requested !== null) return { workers: requested, why: `${requested} worker(s) by setting` }
  if (backend === 'tensorflow') return { workers: 1, why: 'the native backend uses every core itself' }
  if (cores < 2) return { workers: 1, why: 'one core' }
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

/**
 * Memory every participant sees: the model's weights and the optimizer's state as flat arrays, one
 * gradient array per participant (equally spaced), the batch, and per-participant loss sums and
 * hit counts — all views of one shared WebAssembly.Memory, so the update kernels (simd/) work on
 * them in place.
 */
export interface SharedMemory {
  memory: WebAssembly.Memory | null
  weights: Float32Array
  grads: Float32Array[]
  slots: Float32Array[]
  xs: Float32Array
  ys: Float32Array
  stats: Float64Array
}

export function sharedMemory(
  total: number,
  parts: number,
  slots: number,
  xsLength: number,
  ysLength: number,
): SharedMemory {
  const round4 = (n: number) => Math.ceil(n / 4) * 4 // 16-byte alignment for SIMD
  const sizes = [
    total,
    ...Array<number>(parts).fill(total),
    ...Array<number>(slots).fill(total),
    xsLength,
    ysLength,
  ].map(round4)
  const floats = sizes.reduce((a, b) => a + b, 0)
  const bytes = 4 * floats + 8 * 2 * parts
  const pages = Math.ceil(bytes / 65536)
  // Past wasm32's 4 GiB a plain SharedArrayBuffer (and the JavaScript update loops) will do.
  const memory = pages <= 65536 ? new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true }) : null
  const buffer: ArrayBufferLike = memory ? memory.buffer : new SharedArrayBuffer(bytes)
  let at = 0
  const views = sizes.map((n, i) => {
    const v = new Float32Array(
      buffer,
      4 * at,
      i < sizes.length - 2 ? total : [xsLength, ysLength][i - sizes.length + 2],
    )
    at += n
    return v
  })
  return {
    memory,
    weights: views[0]!,
    grads: views.slice(1, 1 + parts),
    slots: views.slice(1 + parts, 1 + parts + slots),
    xs: views.at(-2)!,
    ys: views.at(-1)!,
    stats: new Float64Array(buffer, 4 * floats, 2 * parts),
  }
}

/** Participant `part`'s share of the update: SIMD over whole groups of 4, the rest in JavaScript. */
export function updateShare(rule: UpdateRule, iteration: number, mem: SharedMemory, part: number): void {
  const [from, to] = updateRange(mem.weights.length, part, mem.grads.length)
  const k = mem.memory ? updateKernels(mem.memory) : null
  const simd = k ? (to - from) & ~3 : 0
  if (simd) applyUpdateSimd(k!, rule, iteration, mem.weights, mem.grads, mem.slots, from, simd)
  applyUpdate(rule, iteration, mem.weights, mem.grads, mem.slots, from + simd, to)
}

/** The part of [0, total) that participant `part` of `parts` updates (starting on a multiple of 4). */
export function updateRange(total: number, part: number, parts: number): [number, number] {
  const start = (p: number) => (p >= parts ? total : Math.min(total, Math.floor((total * p) / parts / 4) * 4))
  return [start(part), start(part + 1)]
}

/** Rows [from, to) of an n-row batch that participant `part` computes. */
export function shardRows(n: number, part: number, parts: number): [number, number] {
  const per = Math.ceil(n / parts)
  return [Math.min(n, part * per), Math.min(n, (part + 1) * per)]
}

/**
 * The replica's side of a step, the same in every participant: gradients of rows [from, to) of the
 * shared batch into its gradient array, loss sum and hits into its stats.
 */
export function computeShard(
  model: tf.LayersModel,
  mem: SharedMemory,
  part: number,
  n: number,
  classWeights: tf.Tensor | null,
  slices: Slice[],
): void {
  const [from, to] = shardRows(n, part, mem.grads.length)
  const out = mem.grads[part]!
  if (to <= from) {
    // A short last batch: nothing for this participant.
    out.fill(0)
    mem.stats[2 * part] = 0
    mem.stats[2 * part + 1] = 0
    return
  }
  const inShape = model.inputs[0]!.shape.slice(1) as number[]
  const xRow = inShape.reduce((a, b) => a * b, 1)
  const yRow = mem.ys.length / (mem.xs.length / xRow)
  const xs = tf.tensor(mem.xs.subarray(from * xRow, to * xRow), [to - from, ...inShape])
  const ys = tf.tensor(mem.ys.subarray(from * yRow, to * yRow), [to - from, yRow])
  try {
    const r = shardGradients(model, xs, ys, n, classWeights)
    r.grads.forEach((g, k) => {
      readInto(g, out, slices[k]!.offset)
      g.dispose()
    })
    mem.stats[2 * part] = r.lossSum
    mem.stats[2 * part + 1] = r.correct
  } finally {
    xs.dispose()
    ys.dispose()
  }
}

/** Copies a tensor's values into `dst` at `offset` (straight from the wasm heap where it lives). */
function readInto(t: tf.Tensor, dst: Float32Array, offset: number): void {
  const b = tf.backend() as unknown as { typedArrayFromHeap?: (t: tf.Tensor) => Float32Array }
  dst.set(b.typedArrayFromHeap ? b.typedArrayFromHeap(t) : (t.dataSync() as Float32Array), offset)
}

/** Sets the model's trainable variables from the shared weights. */
export function loadWeights(model: tf.LayersModel, weights: Float32Array, slices: Slice[]): void {
  // The wasm backend copies a new tensor's values into its heap; the cpu backend keeps the array,
  // so it gets its own copy (the shared one changes every step).
  const copies = tf.getBackend() !== 'wasm'
  model.trainableWeights.forEach((w, k) => {
    const s = slices[k]!
    const v = w.read() as tf.Variable
    const view = weights.subarray(s.offset, s.offset + s.size)
    tf.tidy(() => v.assign(tf.tensor(copies ? view.slice() : view, s.shape)))
  })
}

export class ParallelStepper {
  private iteration = 0

  private constructor(
    private readonly model: tf.LayersModel,
    private readonly optimizer: tf.Optimizer,
    private readonly threads: Worker[],
    private readonly classWeights: tf.Tensor | null,
    private readonly mem: SharedMemory,
    private readonly slices: Slice[],
    private readonly rule: UpdateRule,
  ) {}

  static async start(model: tf.LayersModel, optimizer: tf.Optimizer, opts: ParallelOptions): Promise<ParallelStepper> {
    const entry = opts.entry ?? defaultShardEntry()
    const rule = ruleOf(optimizer)
    const { slices, total } = layoutOf(model.trainableWeights.map((w) => w.shape as number[]))
    const xRow = (model.inputs[0]!.shape.slice(1) as number[]).reduce((a, b) => a * b, 1)
    const yRow = model.outputs[0]!.shape.at(-1) as number
    const mem = sharedMemory(total, opts.workers, slotCount(rule), opts.maxBatch * xRow, opts.maxBatch * yRow)
    model.trainableWeights.forEach((w, k) => readInto(w.read(), mem.weights, slices[k]!.offset))
    const stepper = new ParallelStepper(
      model,
      optimizer,
      [],
      opts.classWeights ? tf.tensor1d(opts.classWeights) : null,
      mem,
      slices,
      rule,
    )
    stepper.iteration = await readOptimizerState(optimizer, slices, mem.slots)
    try {
      for (let i = 1; i < opts.workers; i++) stepper.threads.push(spawnThread(entry))
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
    computeShard(this.model, mem, 0, n, this.classWeights, slices)
    meanwhile()
    await Promise.all(computed)
    const iteration = this.iteration
    const updated = this.threads.map((t) => ask(t, { type: 'update', iteration }))
    updateShare(this.rule, iteration, mem, 0)
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
  return new Promise((resolve, reject) => {
    const onMessage = (r: FromShard) => {
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
    t.postMessage(msg)
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
