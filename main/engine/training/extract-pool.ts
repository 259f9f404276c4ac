import type { Worker } from 'node:worker_threads'
import * as tf from '@tensorflow/tfjs'
import { errorMessage } from '../errors'
import type { BackendName } from './backend'
import { batchInputs, type Draws, type FromExtractor, type ToExtractor } from './extract-batch'
import { entryOf, startThread } from '../entries'
import { askThread, autoWorkers } from './parallel'
import type { Backbone } from './backbone-load'
import { extractionRuntime, nativeRunner, type ExtractionRuntime } from './extract-native'

export { batchInputs, type BackboneSource, type Draws, type FromExtractor, type ToExtractor } from './extract-batch'

/**
 * Feature extraction on every core. The wasm backend runs one thread in Node, so the backbone on
 * the trainer's thread uses one core while sharp decodes on the others. A pool runs it
 * data-parallel instead: one worker thread per core, each with its own TensorFlow.js backend and
 * the backbone loaded once, each taking whole batches of decoded pixels (the batch's buffer is
 * transferred, not copied) from one queue and answering with their features. The trainer's thread
 * only gathers batches, decodes (sharp, its own threads) and writes the cache. Where the threads
 * cannot start, extraction runs on this thread as before (localRunner), and the run records why.
 */

/** A backbone's features over batches of decoded pixels, on this thread or on a pool of threads. */
export interface FeatureRunner {
  /** Threads running the backbone. */
  threads: number
  /** How extraction runs, for the run's record. */
  why: string
  /** Batches worth having in flight at once (a pool: two per thread, so none waits between batches). */
  depth: number
  /**
   * Features (n × featureDim) of n images in `pixels` (n × size × size × 3 bytes, a buffer of its
   * own: a pool transfers it to a thread, leaving it empty here).
   */
  run(pixels: Uint8Array, n: number, draws: Draws): Promise<Float32Array>
  dispose(): Promise<void>
}

/** The backbone on this thread: each batch runs when asked (the caller's thread is busy meanwhile). */
export function localRunner(backbone: Backbone, why = 'one thread'): FeatureRunner {
  return {
    threads: 1,
    why,
    depth: 1,
    run: (pixels, n, draws) =>
      Promise.resolve(
        tf.tidy(
          () =>
            backbone
              .features(batchInputs(pixels, n, backbone.inputSize, backbone.scaling, draws))
              .dataSync() as Float32Array,
        ),
      ),
    dispose: () => Promise.resolve(),
  }
}

export interface RunnerOptions {
  backend: BackendName
  /** The config's `workers` (null: one per core where that helps, as parallel.ts autoWorkers decides). */
  workers: number | null
  /** Thread entry; default extract-worker.ts beside this file (tsx) or extract-worker.js in a build. */
  entry?: string
  /**
   * auto: ONNX Runtime's native kernels where onnxruntime-node loads (extract-native.ts), else the
   * TensorFlow.js backend as below; default STUDIO_EXTRACTION (auto).
   */
  runtime?: ExtractionRuntime
}

/**
 * The pool where more than one thread helps and the threads start; else the backbone on this
 * thread, the reason recorded in `why`.
 */
export async function featureRunner(backbone: Backbone, opts: RunnerOptions): Promise<FeatureRunner> {
  const runtime = opts.runtime ?? extractionRuntime()
  let instead = ''
  if (runtime !== 'tfjs') {
    const native = await nativeRunner(backbone)
    if (typeof native !== 'string') return native
    if (runtime === 'onnxruntime') throw new Error(`STUDIO_EXTRACTION=onnxruntime: ${native}`)
    instead = `; not onnxruntime-node: ${native}`
  }
  const { workers, why } = autoWorkers(opts.backend, opts.workers)
  if (workers < 2) return localRunner(backbone, `one thread (${why})${instead}`)
  if (!backbone.source) return localRunner(backbone, `one thread (the backbone was not loaded from a folder)${instead}`)
  try {
    return await ExtractionPool.start(backbone, { ...opts, workers }, instead)
  } catch (err) {
    return localRunner(
      backbone,
      `one thread (${workers} extraction threads could not start: ${errorMessage(err)})${instead}`,
    )
  }
}

/**
 * featureRunner usable at once: started now when `eager` (so starting the threads overlaps the
 * first chunk's decoding), else at the first batch (a run whose features are all cached starts no
 * threads). Batches asked for before the threads are ready wait for them. `why` says how it ran
 * once it has started.
 */
export function startFeatureRunner(backbone: Backbone, opts: RunnerOptions & { eager: boolean }): FeatureRunner {
  let started: Promise<FeatureRunner> | null = null
  let got: FeatureRunner | null = null
  const start = () => {
    started ??= featureRunner(backbone, opts).then((r) => (got = r))
    return started
  }
  if (opts.eager) void start()
  return {
    get threads() {
      return got?.threads ?? 1
    },
    get why() {
      return got?.why ?? (started ? 'threads starting' : 'no thread: every feature was cached')
    },
    depth: 2 * autoWorkers(opts.backend, opts.workers).workers,
    run: async (pixels, n, draws) => (await start()).run(pixels, n, draws),
    dispose: async () => (started ? (await started).dispose() : undefined),
  }
}

interface Job {
  msg: Extract<ToExtractor, { type: 'features' }>
  resolve(f: Float32Array): void
  reject(err: Error): void
}

class ExtractionPool implements FeatureRunner {
  readonly depth: number
  private readonly queue: Job[] = []
  private readonly idle: Worker[]
  private readonly busy = new Map<Worker, Job>()
  private failed: Error | null = null

  private constructor(
    private readonly all: Worker[],
    private readonly size: number,
    readonly why: string,
  ) {
    this.idle = [...all]
    this.depth = all.length * 2
    for (const t of all) {
      t.on('message', (r: FromExtractor) => this.answered(t, r))
      t.on('error', (err) => this.lost(t, err))
      t.on('exit', (code) => this.lost(t, new Error(`extraction thread exited (code ${code})`)))
    }
  }

  get threads(): number {
    return this.all.length
  }

  static async start(
    backbone: Backbone,
    opts: RunnerOptions & { workers: number },
    note = '',
  ): Promise<ExtractionPool> {
    const entry = opts.entry ?? entryOf('extract-worker', import.meta.url)
    const threads: Worker[] = []
    try {
      for (let i = 0; i < opts.workers; i++) threads.push(startThread(entry))
      const dims = await Promise.all(
        threads.map((t) => init(t, { type: 'init', backend: opts.backend, source: backbone.source! })),
      )
      const bad = dims.find((d) => d !== backbone.featureDim)
      if (bad !== undefined) throw new Error(`a thread's backbone gives ${bad} features, not ${backbone.featureDim}`)
    } catch (err) {
      await Promise.all(threads.map((t) => t.terminate()))
      throw err
    }
    return new ExtractionPool(
      threads,
      backbone.inputSize,
      `${threads.length} threads, one backbone each (${opts.backend})${note}`,
    )
  }

  run(pixels: Uint8Array, n: number, draws: Draws): Promise<Float32Array> {
    if (this.failed) return Promise.reject(this.failed)
    return new Promise((resolve, reject) => {
      this.queue.push({ msg: { type: 'features', pixels, n, size: this.size, draws }, resolve, reject })
      this.pump()
    })
  }

  private pump(): void {
    while (this.idle.length && this.queue.length) {
      const t = this.idle.pop()!
      const job = this.queue.shift()!
      this.busy.set(t, job)
      const px = job.msg.pixels
      const own = px.byteOffset === 0 && px.byteLength === px.buffer.byteLength && px.buffer instanceof ArrayBuffer
      t.postMessage(job.msg, own ? [px.buffer as ArrayBuffer] : [])
    }
  }

  private answered(t: Worker, r: FromExtractor): void {
    const job = this.busy.get(t)
    if (!job) return
    this.busy.delete(t)
    this.idle.push(t)
    if (r.type === 'features') job.resolve(r.features)
    else job.reject(new Error(`extraction thread: ${r.type === 'error' ? r.message : 'unexpected reply'}`))
    this.pump()
  }

  /** A thread that died: its batch fails, and so does everything after it (the run fails with the reason). */
  private lost(t: Worker, err: Error): void {
    if (!this.all.includes(t) || this.failed) return
    this.failed = err
    this.busy.get(t)?.reject(err)
    for (const job of this.queue.splice(0)) job.reject(err)
  }

  async dispose(): Promise<void> {
    this.failed ??= new Error('extraction threads stopped')
    // Batches on the threads too: a terminated thread never answers, and lost() ignores it from here on.
    for (const job of [...this.busy.values(), ...this.queue.splice(0)]) job.reject(this.failed)
    this.busy.clear()
    const threads = this.all.splice(0)
    await Promise.all(threads.map((t) => t.terminate()))
  }
}

/** Starts a thread's backbone; resolves with its feature length. */
async function init(t: Worker, msg: ToExtractor): Promise<number> {
  const r = await askThread<FromExtractor>(t, msg, 'extraction thread')
  if (r.type === 'ready') return r.featureDim
  throw new Error(r.type === 'error' ? r.message : 'unexpected reply')
}
