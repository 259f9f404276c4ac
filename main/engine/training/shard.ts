import * as tf from '@tensorflow/tfjs'
import { exampleLosses } from './losses'
import { updateKernels } from './simd'
import { applyDecay, applyUpdate, applyUpdateSimd, type Slice, type UpdateRule } from './update-rules'

/**
 * One participant's side of a data-parallel step (parallel.ts), the same on the trainer's thread
 * and in every shard-worker.ts thread: its shard's gradients into the shared memory, then the
 * optimizer's update of its slice of the weights, then the new weights into its replica.
 */

/** Gradients of (Σ shard losses) / batchSize, the shard's summed loss and its number of hits. */
export function shardGradients(
  model: tf.LayersModel,
  xs: tf.Tensor,
  ys: tf.Tensor,
  batchSize: number,
  classWeights: tf.Tensor | null,
  labelSmoothing = 0,
): { grads: tf.Tensor[]; lossSum: number; correct: number } {
  let lossSum = 0
  let correct = 0
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable)
  const { value, grads } = tf.variableGrads(() => {
    const pred = model.apply(xs, { training: true }) as tf.Tensor
    const losses = exampleLosses(ys, pred, classWeights, labelSmoothing)
    const sum = losses.sum()
    lossSum = sum.dataSync()[0]!
    correct = tf.tidy(() => pred.argMax(-1).equal(ys.argMax(-1)).sum().dataSync()[0]!)
    return sum.div(batchSize) as tf.Scalar
  }, vars)
  value.dispose()
  return { grads: vars.map((v) => grads[v.name]!), lossSum, correct }
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

/**
 * Participant `part`'s share of the update: weight decay of the kernels among `slices` (none
 * without them), then the rule, SIMD over whole groups of 4, the rest in JavaScript.
 */
export function updateShare(
  rule: UpdateRule,
  iteration: number,
  mem: SharedMemory,
  part: number,
  slices: readonly Slice[] = [],
): void {
  const [from, to] = updateRange(mem.weights.length, part, mem.grads.length)
  applyDecay(rule, mem.weights, slices, from, to)
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
  labelSmoothing = 0,
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
  const { inShape, xRow, yRow } = rowSizes(model, mem)
  const xs = tf.tensor(mem.xs.subarray(from * xRow, to * xRow), [to - from, ...inShape])
  const ys = tf.tensor(mem.ys.subarray(from * yRow, to * yRow), [to - from, yRow])
  try {
    const r = shardGradients(model, xs, ys, n, classWeights, labelSmoothing)
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

/**
 * The replica's side of a parallel prediction: its rows [from, to) of the n-row batch in the shared
 * inputs, through the model (inference: dropout off), their class probabilities written over the
 * same rows of the shared outputs (the labels' memory, which the next step writes again).
 */
export function predictShard(model: tf.LayersModel, mem: SharedMemory, part: number, n: number): void {
  const [from, to] = shardRows(n, part, mem.grads.length)
  if (to <= from) return
  const { inShape, xRow, yRow } = rowSizes(model, mem)
  tf.tidy(() => {
    const xs = tf.tensor(mem.xs.subarray(from * xRow, to * xRow), [to - from, ...inShape])
    readInto(model.predict(xs) as tf.Tensor, mem.ys, from * yRow)
  })
}

/** One image's input shape, and the floats of an input row and of a label/output row in the shared memory. */
function rowSizes(model: tf.LayersModel, mem: SharedMemory): { inShape: number[]; xRow: number; yRow: number } {
  const inShape = model.inputs[0]!.shape.slice(1) as number[]
  const xRow = inShape.reduce((a, b) => a * b, 1)
  return { inShape, xRow, yRow: mem.ys.length / (mem.xs.length / xRow) }
}

/** Copies a tensor's values into `dst` at `offset` (straight from the wasm heap where it lives). */
export function readInto(t: tf.Tensor, dst: Float32Array, offset: number): void {
  const b: object = tf.backend()
  if ('typedArrayFromHeap' in b && typeof b.typedArrayFromHeap === 'function') {
    dst.set(b.typedArrayFromHeap(t) as Float32Array, offset)
  } else {
    dst.set(t.dataSync() as Float32Array, offset)
  }
}

/** The model's trainable variables into the shared weights (loadWeights' inverse). */
export function storeWeights(model: tf.LayersModel, weights: Float32Array, slices: Slice[]): void {
  model.trainableWeights.forEach((w, k) => readInto(w.read(), weights, slices[k]!.offset))
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
