import fs from 'node:fs'
import path from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { StudioError } from '../errors'
import { writeAtomic } from '../fs'
import type { DatasetItem, ProjectPaths } from '../store'
import type { Backbone } from './backbone-load'
import { scoredModel } from './class-scores'
import { localRunner, type FeatureRunner } from './extract-pool'
import { loadPixels, type InputSpec, type PixelProblem, type PixelSet } from './pixels'
import { mixSeed } from '../random'
import type { AfterFit } from './presets/types'

export { modelsDir } from './backbones'
export { listBackbones, loadBackbone, type Backbone } from './backbone-load'

/**
 * The trainable head on top of the pooled features: dropout and a softmax layer. The dropout is
 * unseeded: tfjs draws the same mask at every step from a fixed seed, which drops the same fifth of
 * the features throughout instead of regularising (bench:transfer measured +0.7 points without it).
 */
export function transferHead(featureDim: number, numClasses: number, seed: number): tf.Sequential {
  const head = tf.sequential({ name: 'head' })
  head.add(tf.layers.dropout({ inputShape: [featureDim], rate: 0.2 }))
  head.add(
    tf.layers.dense({
      units: numClasses,
      activation: 'softmax',
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }),
    }),
  )
  return head
}

/**
 * The run's trained head averaged with `heads − 1` more, each built by `build(seed)` with its own
 * seed (mixSeed(seed, k)), trained by the run's trainMember and stopped at its best val epoch: the
 * heads' weights are averaged element-wise into the run's model, which the phase then leaves as
 * its best (state.bestEpoch). The head is dropout and one Dense layer, so the average's logits are
 * the mean of the heads' logits.
 */
export async function averageHeads(
  run: Pick<AfterFit, 'model' | 'state' | 'cancelled' | 'trainMember'>,
  heads: number,
  build: (seed: number) => tf.LayersModel,
  seed: number,
): Promise<'done' | 'cancelled'> {
  const sets: tf.Tensor[][] = [run.model.getWeights().map((w) => w.clone())]
  try {
    for (let k = 1; k < heads; k++) {
      if (run.cancelled()) return 'cancelled'
      const s = mixSeed(seed, k)
      const head = build(s)
      try {
        if ((await run.trainMember(head, s)) === 'cancelled') return 'cancelled'
        sets.push(head.getWeights().map((w) => w.clone()))
      } finally {
        head.dispose()
      }
    }
    const mean = tf.tidy(() => sets[0]!.map((_, i) => tf.addN(sets.map((ws) => ws[i]!)).div(sets.length)))
    run.model.setWeights(mean)
    tf.dispose(mean)
    run.state.bestEpoch = run.state.epoch
    return 'done'
  } finally {
    for (const ws of sets) tf.dispose(ws)
  }
}

/**
 * Layers backbone and head as one model, for saving, export and prediction from images. With
 * `classScores` (> 0) the head was trained on the features with the backbone's class probabilities
 * appended at that weight (class-scores.ts), and the model computes them too. Free what it added
 * with disposeAdded(model, backbone.extractor, head) once saved.
 */
export function combine(backbone: Backbone, head: tf.LayersModel, classScores = 0): tf.LayersModel {
  if (!backbone.extractor) throw new StudioError('only a layers-model backbone combines with its head into one model')
  if (classScores > 0) {
    if (!backbone.classifier) throw new StudioError(`backbone ${backbone.name} has no classifier to score classes with`)
    return scoredModel(backbone.extractor, head, backbone.classifier, classScores)
  }
  let y = backbone.extractor.outputs[0]!
  for (const layer of head.layers) y = layer.apply(y) as tf.SymbolicTensor
  return tf.model({ inputs: backbone.extractor.inputs, outputs: y })
}

/**
 * Feature vectors of every image of a pixel set, computed once per (backbone, input) and cached on
 * disk under cache/features/, so head training takes seconds and later runs skip extraction. The
 * runner runs the backbone (default: on this thread; extract-pool.ts: on every core).
 */
export async function extractFeatures(
  paths: ProjectPaths,
  backbone: Backbone,
  set: PixelSet,
  hashes: Map<number, string>,
  batchSize = 32,
  runner: FeatureRunner = localRunner(backbone),
): Promise<Float32Array> {
  const dir = featureDir(paths, backbone, set.spec)
  return extractCached(
    paths,
    backbone.featureDim,
    set.imageIds.length,
    (i) => path.join(dir, `${hashes.get(set.imageIds[i]!)}.f32`),
    (idx) => runner.run(gatherRows(set, idx), idx.length, null),
    batchSize,
    runner.depth,
  )
}

/**
 * Features of each image's mirror image (what test-time augmentation averages in), computed like
 * the plain ones and cached beside them under mirror/, by image id; images that cannot be read are
 * left out (the plain pass reported them).
 */
export async function mirroredFeatures(
  paths: ProjectPaths,
  backbone: Backbone,
  items: DatasetItem[],
  spec: InputSpec,
  hashes: Map<number, string>,
  runner: FeatureRunner,
  batchSize = 32,
): Promise<SplitFeatures> {
  const dir = path.join(featureDir(paths, backbone, spec), 'mirror')
  const { imageIds, labels, parts } = await splitChunks(
    paths,
    items,
    spec,
    () => {},
    256,
    (set) =>
      extractCached(
        paths,
        backbone.featureDim,
        set.imageIds.length,
        (i) => path.join(dir, `${hashes.get(set.imageIds[i]!)}.f32`),
        (idx) => runner.run(gatherRows(set, idx), idx.length, 'mirror'),
        batchSize,
        runner.depth,
      ),
  )
  return { imageIds, labels, features: concat(parts) }
}

/** Rows of a pixel set gathered into one new buffer (a batch's input, which a runner may transfer away). */
export function gatherRows(set: PixelSet, rows: readonly number[]): Uint8Array {
  const per = set.spec.size * set.spec.size * 3
  const buf = new Uint8Array(rows.length * per)
  rows.forEach((i, k) => buf.set(set.row(i), k * per))
  return buf
}

/** The folder of a backbone's cached features at one input size and fit. */
export function featureDir(paths: ProjectPaths, backbone: Backbone, spec: InputSpec): string {
  return path.join(paths.cache, 'features', `${backbone.name}-${spec.size}-${spec.fit}`)
}

/**
 * n feature vectors of `dim`, each read from its cache file (`fileOf(i)`) when there, else
 * computed `batchSize` at a time by `compute(rows)` and written to it; up to `depth` batches are
 * computed at once (a pool of threads), their results taken and written in order.
 */
export async function extractCached(
  paths: ProjectPaths,
  dim: number,
  n: number,
  fileOf: (i: number) => string,
  compute: (rows: number[]) => Float32Array | Promise<Float32Array>,
  batchSize = 32,
  depth = 1,
): Promise<Float32Array> {
  const out = new Float32Array(n * dim)
  const todo: number[] = []
  for (let i = 0; i < n; i++) {
    const f = fileOf(i)
    if (fs.existsSync(f)) {
      const b = fs.readFileSync(f)
      if (b.length === dim * 4) {
        out.set(new Float32Array(b.buffer, b.byteOffset, dim), i * dim)
        continue
      }
    }
    todo.push(i)
  }
  const inFlight: { idx: number[]; data: Promise<Float32Array> }[] = []
  // Cache files are written while the next batches run (one batch's writes in flight at a time).
  let writing: Promise<unknown> = Promise.resolve()
  const takeOldest = async () => {
    const { idx, data: pending } = inFlight.shift()!
    const data = await pending
    await writing
    writing = Promise.all(
      idx.map((i, k) => {
        const vec = data.slice(k * dim, (k + 1) * dim)
        out.set(vec, i * dim)
        return writeAtomic(fileOf(i), Buffer.from(vec.buffer), paths.tmp)
      }),
    )
    writing.catch(() => {}) // awaited next round or below
  }
  try {
    for (let s = 0; s < todo.length; s += batchSize) {
      const idx = todo.slice(s, s + batchSize)
      const data = Promise.resolve(compute(idx))
      data.catch(() => {}) // awaited in order by takeOldest
      inFlight.push({ idx, data })
      if (inFlight.length >= Math.max(1, depth)) await takeOldest()
    }
    while (inFlight.length) await takeOldest()
  } finally {
    // A failed batch: the others still finish before the error goes on (nothing left unobserved).
    await Promise.allSettled(inFlight.map((b) => b.data))
  }
  await writing
  return out
}

/** A split's usable images, their class indices and their features (n × featureDim). */
export interface SplitFeatures {
  imageIds: number[]
  labels: Int32Array
  features: Float32Array
}

/**
 * Features of a split's images, chunk by chunk (splitChunks). Unreadable images are reported
 * through onProblem and left out.
 */
export async function splitFeatures(
  paths: ProjectPaths,
  backbone: Backbone,
  items: DatasetItem[],
  spec: InputSpec,
  hashes: Map<number, string>,
  onProblem: (p: PixelProblem) => void,
  batchSize = 32,
  chunk = 256,
  runner: FeatureRunner = localRunner(backbone),
): Promise<SplitFeatures> {
  const { imageIds, labels, parts } = await splitChunks(paths, items, spec, onProblem, chunk, (set) =>
    extractFeatures(paths, backbone, set, hashes, batchSize, runner),
  )
  return { imageIds, labels, features: concat(parts) }
}

/**
 * A split's images a chunk at a time through `perChunk`: the next chunk is decoded (sharp, on its
 * own threads) while `perChunk` runs the backbone on the current one, and a chunk's `perChunk`
 * starts before the previous one's has finished (a pool of extraction threads queues its batches
 * behind the previous chunk's, so no thread waits at a chunk's end), so at most three chunks of
 * pixels are in memory. Unreadable images are reported through onProblem and left out.
 */
export async function splitChunks<T>(
  paths: ProjectPaths,
  items: DatasetItem[],
  spec: InputSpec,
  onProblem: (p: PixelProblem) => void,
  chunk: number,
  perChunk: (set: PixelSet) => Promise<T>,
): Promise<{ imageIds: number[]; labels: Int32Array; parts: T[] }> {
  const chunks: DatasetItem[][] = []
  for (let s = 0; s < items.length; s += chunk) chunks.push(items.slice(s, s + chunk))
  // Enough decodes in flight to keep the other cores busy while this thread runs the backbone.
  const load = (c: number) => {
    const p = loadPixels(paths, chunks[c]!, spec, onProblem, 16)
    p.catch(() => {}) // awaited below; a failure is not left unobserved while the backbone runs
    return p
  }
  let next = chunks.length ? load(0) : null
  const imageIds: number[] = []
  const labels: number[] = []
  const parts: T[] = []
  let running: Promise<T> | null = null
  try {
    for (let c = 0; c < chunks.length; c++) {
      const set = await next!
      next = c + 1 < chunks.length ? load(c + 1) : null
      const started = perChunk(set)
      started.catch(() => {}) // awaited next round or below
      if (running) parts.push(await running)
      running = started
      imageIds.push(...set.imageIds)
      labels.push(...set.labels)
    }
    if (running) parts.push(await running)
  } catch (err) {
    await running?.catch(() => {})
    throw err
  }
  return { imageIds, labels: Int32Array.from(labels), parts }
}

/** Arrays one after the other. */
export function concat(parts: Float32Array[]): Float32Array {
  const all = new Float32Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    all.set(p, at)
    at += p.length
  }
  return all
}
