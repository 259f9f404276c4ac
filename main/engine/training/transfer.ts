import fs from 'node:fs'
import path from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { NotFoundError, StudioError, ValidationError } from '../errors'
import { writeAtomic } from '../fs'
import type { DatasetItem, ProjectPaths } from '../store'
import { checkFiles } from './backbone-files'
import { BackboneError, KNOWN, MANIFEST } from './backbone-manifest'
import { backboneSpec, type BackboneSpec } from './backbones'
import { readClassifier, scoredModel, type Classifier } from './class-scores'
import { localRunner, type BackboneSource, type FeatureRunner } from './extract-pool'
import { fuseChain, type FusedChain } from './fused-backbone'
import { readArtifacts } from './model-io'
import { loadPixels, type InputSpec, type PixelProblem, type PixelSet } from './pixels'
import type { Scaling } from './presets/scaling'

export { modelsDir } from './backbones'

export interface Backbone {
  name: string
  format: 'layers' | 'graph'
  /** Layers backbones: image → pooled feature vector, as a layers model (combinable with the head). */
  extractor: tf.LayersModel | null
  /** Image batch → [N, featureDim] features, for either format. */
  features(x: tf.Tensor4D): tf.Tensor2D
  /** Graph backbones: the graph's node that gives the features. */
  output: string | null
  /** Layers backbones that fuse: the extraction chain in stages (feature augmentation, fine-tuning). */
  fused: FusedChain | null
  /** How features are computed, for the run's record (e.g. "layers model as 27 fused convolutions"). */
  path: string
  inputSize: number
  featureDim: number
  scaling: Scaling
  /** The folder and options it was loaded with: extraction threads load the same (extract-pool.ts). */
  source?: BackboneSource
  /** The network's own classifier on the pooled features, where backbone.json ships it (class-scores.ts); layers backbones only. */
  classifier?: Classifier | null
  dispose(): void
}

/** Backbone folders in the models folder (those with a model.json). */
export function listBackbones(dir: string): string[] {
  if (!fs.existsSync(dir)) return []
  return fs
    .readdirSync(dir)
    .filter((d) => fs.existsSync(path.join(dir, d, 'model.json')))
    .sort()
}

/**
 * Loads a backbone folder of `dir` (a TF.js layers or graph model) and cuts it at its feature layer,
 * adding global average pooling. How to cut and feed it comes from its backbone.json (whose listed
 * files are checked by SHA-256 first; `complete`: every model file must be listed, as for the
 * backbones Studio ships), else Studio's table of known folders, else defaults. Missing, malformed,
 * damaged or unsuitable backbones give an error naming the file.
 */
export async function loadBackbone(
  dir: string,
  name: string,
  opts: { complete?: boolean; inputSize?: number } = {},
): Promise<Backbone> {
  const folder = path.join(dir, name)
  const file = path.join(folder, 'model.json')
  if (!fs.existsSync(file)) {
    const have = listBackbones(dir)
    throw new NotFoundError(
      `backbone ${JSON.stringify(name)} not found: no ${file}${have.length ? ` (available: ${have.join(', ')})` : ''}`,
    )
  }
  let spec: BackboneSpec
  try {
    spec = backboneSpec(folder, name)
    if (spec.manifest || opts.complete) checkFiles(folder, spec.manifest, { fresh: true, complete: !!opts.complete })
  } catch (err) {
    if (err instanceof BackboneError) throw new BackboneError(`backbone ${folder} refused: ${err.message}`)
    throw err
  }
  let artifacts: tf.io.ModelArtifacts
  try {
    artifacts = readArtifacts(folder)
  } catch (err) {
    throw new StudioError(`backbone ${file} cannot be read: ${(err as Error).message}`)
  }
  const topology = artifacts.modelTopology as { node?: unknown } | undefined
  if (!topology) throw new StudioError(`backbone ${file} has no modelTopology`)
  const backbone = topology.node
    ? await loadGraphBackbone(name, file, artifacts, spec)
    : await loadResizable(name, file, artifacts, spec, opts.inputSize)
  const resizedTo = backbone.format === 'layers' && backbone.inputSize === opts.inputSize ? opts.inputSize : undefined
  const want = {
    input: resizedTo ?? spec.inputSize ?? backbone.inputSize,
    features: spec.featureSize ?? backbone.featureDim,
  }
  if (want.input !== backbone.inputSize || want.features !== backbone.featureDim) {
    backbone.dispose()
    throw new BackboneError(
      `backbone ${folder} refused: it takes ${backbone.inputSize}px input and gives ${backbone.featureDim} features, ` +
        `but ${MANIFEST} says ${want.input}px and ${want.features}`,
    )
  }
  backbone.source = { dir, name, complete: !!opts.complete, inputSize: opts.inputSize }
  const cls = spec.manifest?.classifier
  try {
    backbone.classifier = cls && backbone.format === 'layers' ? readClassifier(folder, cls, backbone.featureDim) : null
  } catch (err) {
    backbone.dispose()
    throw err instanceof BackboneError ? new BackboneError(`backbone ${folder} refused: ${err.message}`) : err
  }
  return backbone
}

/**
 * A layers model's topology with its input side set to `size` (the weights do not depend on it:
 * a network convolutional up to its cut takes any square side, and global pooling makes the
 * features the same length). Unchanged without a size or for a graph model.
 */
function resized(artifacts: tf.io.ModelArtifacts, size: number | undefined): tf.io.ModelArtifacts {
  const topology = artifacts.modelTopology as Record<string, unknown> | undefined
  if (size === undefined || !topology || topology.node) return artifacts
  const copy = structuredClone(topology) as { model_config?: LayersJson; config?: LayersJson }
  for (const layer of (copy.model_config ?? (copy as LayersJson)).config?.layers ?? []) {
    const c = layer.config
    // The input layer of a functional model, or the first layer of a sequential one.
    if (c.batch_input_shape?.length === 4)
      c.batch_input_shape = [c.batch_input_shape[0] ?? null, size, size, c.batch_input_shape[3] ?? 3]
  }
  return { ...artifacts, modelTopology: copy as tf.io.ModelArtifacts['modelTopology'] }
}

/**
 * A layers backbone at input side `size` where it is convolutional up to its cut (its features are
 * pooled), else as it is (the preset then refuses the size, naming the backbone's own).
 */
async function loadResizable(
  name: string,
  file: string,
  artifacts: tf.io.ModelArtifacts,
  spec: BackboneSpec,
  size: number | undefined,
): Promise<Backbone> {
  if (size !== undefined) {
    try {
      const b = await loadLayersBackbone(name, file, resized(artifacts, size), spec)
      if (b.inputSize === size && b.extractor?.layers.at(-1)?.getClassName() === 'GlobalAveragePooling2D') return b
      b.dispose()
    } catch {
      // Not loadable at that side (e.g. a dense layer after a flatten): as it is.
    }
  }
  return loadLayersBackbone(name, file, artifacts, spec)
}

interface LayersJson {
  config?: {
    layers?: { class_name: string; config: { batch_input_shape?: (number | null)[] } }[]
  }
}

async function loadLayersBackbone(
  name: string,
  file: string,
  artifacts: tf.io.ModelArtifacts,
  spec: BackboneSpec,
): Promise<Backbone> {
  let model: tf.LayersModel
  try {
    model = await tf.loadLayersModel(tf.io.fromMemory(artifacts))
  } catch (err) {
    throw new StudioError(`backbone ${file} is not a loadable TF.js layers model: ${(err as Error).message}`)
  }
  const input = model.inputs[0]!.shape
  const size = squareRgb(input, file, () => model.dispose())
  let cut: tf.layers.Layer
  try {
    cut = spec.cut ? model.getLayer(spec.cut) : model.layers[model.layers.length - 2]!
  } catch {
    model.dispose()
    throw new ValidationError(`backbone ${file} has no layer ${JSON.stringify(spec.cut)} to cut at`)
  }
  const features = cut.output as tf.SymbolicTensor
  const pooled =
    features.shape.length === 4 ? (tf.layers.globalAveragePooling2d({}).apply(features) as tf.SymbolicTensor) : features
  const extractor = tf.model({ inputs: model.inputs, outputs: pooled })
  // Extraction runs the chain as fused convolutions where it can (≈ 2× faster on wasm).
  const fused = features.shape.length === 4 ? fuseChain(model, cut) : null
  return {
    name,
    format: 'layers',
    extractor,
    fused,
    output: null,
    inputSize: size,
    featureDim: pooled.shape[1] as number,
    scaling: spec.scaling,
    path: fused ? `layers model run as ${fused.blocks} fused convolutions (batch norm folded in)` : 'layers model',
    features: fused ? fused.features : (x) => extractor.predict(x) as tf.Tensor2D,
    dispose: () => {
      fused?.dispose()
      extractor.dispose()
    },
  }
}

async function loadGraphBackbone(
  name: string,
  file: string,
  artifacts: tf.io.ModelArtifacts,
  spec: BackboneSpec,
): Promise<Backbone> {
  if (!spec.output) {
    throw new ValidationError(
      `backbone ${file} is a graph model Studio does not know the feature node of ` +
        `(name it as outputNode in ${MANIFEST}; known: ${Object.keys(KNOWN).join(', ')})`,
    )
  }
  let model: tf.GraphModel
  try {
    model = await tf.loadGraphModel(tf.io.fromMemory(artifacts))
  } catch (err) {
    throw new StudioError(`backbone ${file} is not a loadable TF.js graph model: ${(err as Error).message}`)
  }
  const size = squareRgb(model.inputs[0]!.shape ?? [], file, () => model.dispose())
  const output = spec.output
  const features = (x: tf.Tensor4D) =>
    tf.tidy(() => {
      const y = model.execute(x, output) as tf.Tensor
      return y.reshape([x.shape[0], -1]) as tf.Tensor2D
    })
  const featureDim = tf.tidy(() => features(tf.zeros([1, size, size, 3])).shape[1])
  return {
    name,
    format: 'graph',
    extractor: null,
    fused: null,
    output,
    path: 'graph model',
    inputSize: size,
    featureDim,
    scaling: spec.scaling,
    features,
    dispose: () => model.dispose(),
  }
}

function squareRgb(shape: (number | null)[], file: string, cleanup: () => void): number {
  if (shape.length !== 4 || shape[3] !== 3 || !(shape[1]! > 0) || shape[1] !== shape[2]) {
    cleanup()
    throw new ValidationError(
      `backbone ${file} takes input ${JSON.stringify(shape)}; the transfer preset needs square RGB images [N, S, S, 3]`,
    )
  }
  return shape[1] as number
}

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
