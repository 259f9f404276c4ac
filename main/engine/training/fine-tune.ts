import * as tf from '@tensorflow/tfjs'
import { StudioError, ValidationError } from '../errors'
import { evaluate } from '../evaluation/metrics'
import { mixSeed, rng, shuffle } from '../random'
import type { EpochLogs } from './fit'
import { exampleLosses } from './losses'
import { concat, type Backbone } from './transfer'

/**
 * Fine-tuning of the transfer preset, after the head has converged on cached features: the last
 * stages of the backbone (its own layer objects, so the saved backbone + head model carries the
 * new weights) train together with the head at a lower learning rate. Batch norm runs in inference
 * mode throughout — its moving mean and variance never change, only γ and β learn — so the
 * frozen part's activations can be computed once per image and copy (feature-passes.ts) and each
 * epoch runs only the unfrozen stages, forward and backward.
 */

/** The unfrozen end of a backbone: from a stage's first layer to the cut, then average pooling. */
export interface Tail {
  layers: tf.layers.Layer[]
  /** Activations entering the first unfrozen stage → pooled features (batch norm in inference mode). */
  forward(x: tf.Tensor4D): tf.Tensor2D
  /** What trains: convolution kernels and biases, batch norm γ and β (never the moving statistics). */
  variables: tf.Variable[]
}

/**
 * The layers of `extractor` (a chain ending in global average pooling) from the layer named
 * `first` up to the pooling.
 */
export function tailOf(extractor: tf.LayersModel, first: string): Tail {
  const all = extractor.layers
  const start = all.findIndex((l) => l.name === first)
  const end = all.length - 1
  if (start < 1 || all[end]!.getClassName() !== 'GlobalAveragePooling2D')
    throw new StudioError(`cannot fine-tune from layer ${JSON.stringify(first)}: not in the backbone's feature chain`)
  const layers = all.slice(start, end)
  return {
    layers,
    forward: (x) =>
      tf.tidy(() => {
        let y: tf.Tensor = x
        for (const l of layers) y = l.apply(y, { training: false }) as tf.Tensor
        return y.mean([1, 2]) as tf.Tensor2D
      }),
    variables: layers.flatMap((l) => l.trainableWeights.map((w) => w.read() as tf.Variable)),
  }
}

/**
 * Where fine-tuning `backbone`'s last `blocks` stages starts (a stage of its fused chain), or why
 * it cannot: null stage for 0 blocks, or for a backbone that does not fuse (a graph model, an
 * unusual layer), which trains its head only and says so.
 */
export function fineTuneStage(backbone: Backbone, blocks: number): { stage: number | null; note: string } {
  if (!blocks) return { stage: null, note: '' }
  if (!backbone.fused || !backbone.extractor)
    return { stage: null, note: `; no fine-tuning: backbone ${backbone.name} is a ${backbone.path}` }
  const stages = backbone.fused.stages.length
  if (blocks >= stages)
    throw new ValidationError(
      `fineTune.blocks must be below the ${stages} stages of backbone ${backbone.name} (got ${blocks})`,
    )
  return { stage: stages - blocks, note: `; fine-tuning the last ${blocks} of ${stages} stages` }
}

/** Activations of n images, as the frozen part gave them: one Float32Array per pass, n × h·w·c. */
export interface Maps {
  imageIds: number[]
  passes: Float32Array[]
  shape: [number, number, number]
  labels: Int32Array
}

/** Rows of one pass (or each row's own pass) as a [rows, h, w, c] tensor. */
function gather(m: Maps, rows: number[], pass: (k: number) => number): tf.Tensor4D {
  const per = m.shape[0] * m.shape[1] * m.shape[2]
  const buf = new Float32Array(rows.length * per)
  rows.forEach((i, k) => buf.set(m.passes[pass(k)]!.subarray(i * per, (i + 1) * per), k * per))
  return tf.tensor4d(buf, [rows.length, ...m.shape])
}

/** Pooled features of every image of pass 0 through the tail as it is now (n × features). */
export function tailFeatures(tail: Tail, m: Maps, batchSize: number): Float32Array {
  const n = m.labels.length
  const parts: Float32Array[] = []
  for (let s = 0; s < n; s += batchSize) {
    const rows = Array.from({ length: Math.min(batchSize, n - s) }, (_, k) => s + k)
    parts.push(tf.tidy(() => tail.forward(gather(m, rows, () => 0)).dataSync() as Float32Array))
  }
  return concat(parts)
}

export interface FineTuneOptions {
  tail: Tail
  head: tf.LayersModel
  train: Maps
  /** null: no validation split. */
  val: Maps | null
  epochs: number
  learningRate: number
  batchSize: number
  seed: number
  labelSmoothing: number
  /** Number of the first fine-tuning epoch in the run's log (they follow the head's epochs). */
  firstEpoch: number
  cancelled(): boolean
  onEpoch(logs: EpochLogs): void | Promise<void>
}

/**
 * Trains the tail and the head together (Adam at `learningRate`); every epoch each training image
 * is seen once, as one of its passes drawn at random (plain or an augmented copy). Returns
 * 'cancelled' when asked to stop between batches.
 */
export async function fineTune(o: FineTuneOptions): Promise<'done' | 'cancelled'> {
  const k = o.head.outputs[0]!.shape[1] as number
  const variables = [...o.tail.variables, ...o.head.trainableWeights.map((w) => w.read() as tf.Variable)]
  const optimizer = tf.train.adam(o.learningRate)
  const n = o.train.labels.length
  try {
    for (let e = 0; e < o.epochs; e++) {
      const epoch = o.firstEpoch + e
      const t0 = Date.now()
      const order = shuffle(
        Array.from({ length: n }, (_, i) => i),
        rng(mixSeed(o.seed ^ 0xf17e, epoch)),
      )
      const random = rng(mixSeed(o.seed ^ 0xa06, epoch))
      let lossSum = 0
      let correct = 0
      for (let s = 0; s < n; s += o.batchSize) {
        await new Promise((resolve) => setImmediate(resolve))
        if (o.cancelled()) return 'cancelled'
        const rows = order.slice(s, s + o.batchSize)
        const passes = rows.map(() => Math.floor(random() * o.train.passes.length))
        const xs = gather(o.train, rows, (r) => passes[r]!)
        const labels = tf.tensor1d(
          Int32Array.from(rows, (i) => o.train.labels[i]!),
          'int32',
        )
        const ys = tf.tidy(() => tf.oneHot(labels, k).toFloat())
        let right: tf.Tensor | null = null
        const cost = optimizer.minimize(
          () => {
            const probs = o.head.apply(o.tail.forward(xs)) as tf.Tensor2D
            right = tf.keep(probs.argMax(1).equal(labels).sum())
            return exampleLosses(ys, probs, null, o.labelSmoothing).mean() as tf.Scalar
          },
          true,
          variables,
        )!
        lossSum += cost.dataSync()[0]! * rows.length
        correct += (right as tf.Tensor | null)?.dataSync()[0] ?? 0
        tf.dispose([xs, labels, ys, cost, right as tf.Tensor | null].filter((t) => t !== null))
      }
      const v = o.val ? validate(o.tail, o.head, o.val, o.batchSize, k) : null
      const seconds = (Date.now() - t0) / 1000
      await o.onEpoch({
        epoch,
        loss: lossSum / n,
        accuracy: correct / n,
        valLoss: v?.loss ?? null,
        valAccuracy: v?.accuracy ?? null,
        seconds,
        imagesPerSec: n / seconds,
        best: false,
      })
    }
    return 'done'
  } finally {
    optimizer.dispose()
  }
}

function validate(tail: Tail, head: tf.LayersModel, val: Maps, batchSize: number, k: number) {
  const features = tailFeatures(tail, val, batchSize)
  const dim = features.length / val.labels.length
  const probs: Float32Array[] = []
  for (let s = 0; s < val.labels.length; s += batchSize) {
    const m = Math.min(batchSize, val.labels.length - s)
    const data = tf.tidy(
      () =>
        (
          head.predict(tf.tensor2d(features.subarray(s * dim, (s + m) * dim), [m, dim])) as tf.Tensor
        ).dataSync() as Float32Array,
    )
    for (let i = 0; i < m; i++) probs.push(data.slice(i * k, (i + 1) * k))
  }
  const { loss, accuracy } = evaluate(probs, val.labels, k)
  return { loss, accuracy }
}
