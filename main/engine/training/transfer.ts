import fs from 'node:fs'
import path from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { NotFoundError, StudioError, ValidationError } from '../errors'
import { writeAtomic } from '../fs'
import type { DatasetItem, ProjectPaths } from '../store'
import { checkFiles } from './backbone-files'
import { BackboneError, KNOWN, MANIFEST } from './backbone-manifest'
import { backboneSpec, type BackboneSpec } from './backbones'
import { makeInputs } from './batches'
import { fuseChain } from './fused-backbone'
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
  /** How features are computed, for the run's record (e.g. "layers model as 27 fused convolutions"). */
  path: string
  inputSize: number
  featureDim: number
  scaling: Scaling
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
export async function loadBackbone(dir: string, name: string, opts: { complete?: boolean } = {}): Promise<Backbone> {
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
    : await loadLayersBackbone(name, file, artifacts, spec)
  const want = { input: spec.inputSize ?? backbone.inputSize, features: spec.featureSize ?? backbone.featureDim }
  if (want.input !== backbone.inputSize || want.features !== backbone.featureDim) {
    backbone.dispose()
    throw new BackboneError(
      `backbone ${folder} refused: it takes ${backbone.inputSize}px input and gives ${backbone.featureDim} features, ` +
        `but ${MANIFEST} says ${want.input}px and ${want.features}`,
    )
  }
  return backbone
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

/** The trainable head on top of the pooled features: dropout and a softmax layer. */
export function transferHead(featureDim: number, numClasses: number, seed: number): tf.Sequential {
  const head = tf.sequential({ name: 'head' })
  head.add(tf.layers.dropout({ inputShape: [featureDim], rate: 0.2, seed }))
  head.add(
    tf.layers.dense({
      units: numClasses,
      activation: 'softmax',
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }),
    }),
  )
  return head
}

/** Layers backbone and head as one model, for saving, export and prediction from images. */
export function combine(backbone: Backbone, head: tf.LayersModel): tf.LayersModel {
  if (!backbone.extractor) throw new StudioError('only a layers-model backbone combines with its head into one model')
  let y = backbone.extractor.outputs[0]!
  for (const layer of head.layers) y = layer.apply(y) as tf.SymbolicTensor
  return tf.model({ inputs: backbone.extractor.inputs, outputs: y })
}

/**
 * Feature vectors of every image of a pixel set, computed once per (backbone, input) and cached on
 * disk under cache/features/, so head training takes seconds and later runs skip extraction.
 */
export async function extractFeatures(
  paths: ProjectPaths,
  backbone: Backbone,
  set: PixelSet,
  hashes: Map<number, string>,
  batchSize = 32,
): Promise<Float32Array> {
  const dim = backbone.featureDim
  const out = new Float32Array(set.imageIds.length * dim)
  const dir = path.join(paths.cache, 'features', `${backbone.name}-${set.spec.size}-${set.spec.fit}`)
  const todo: number[] = []
  set.imageIds.forEach((id, i) => {
    const f = path.join(dir, `${hashes.get(id)}.f32`)
    if (fs.existsSync(f)) {
      const b = fs.readFileSync(f)
      if (b.length === dim * 4) return out.set(new Float32Array(b.buffer, b.byteOffset, dim), i * dim)
    }
    todo.push(i)
  })
  // Cache files are written while the next batches run (one batch's writes in flight at a time).
  let writing: Promise<unknown> = Promise.resolve()
  for (let s = 0; s < todo.length; s += batchSize) {
    const idx = todo.slice(s, s + batchSize)
    const data = tf.tidy(() => backbone.features(makeInputs(set, idx, backbone.scaling)).dataSync() as Float32Array)
    await writing
    writing = Promise.all(
      idx.map((i, k) => {
        const vec = data.slice(k * dim, (k + 1) * dim)
        out.set(vec, i * dim)
        return writeAtomic(path.join(dir, `${hashes.get(set.imageIds[i]!)}.f32`), Buffer.from(vec.buffer), paths.tmp)
      }),
    )
    writing.catch(() => {}) // awaited next round or below
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
 * Features of a split's images, chunk by chunk: the next chunk is decoded (sharp, on its own
 * threads) while the backbone runs on the current one, and only two chunks of pixels are ever in
 * memory. Unreadable images are reported through onProblem and left out.
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
): Promise<SplitFeatures> {
  const parts: DatasetItem[][] = []
  for (let s = 0; s < items.length; s += chunk) parts.push(items.slice(s, s + chunk))
  // Enough decodes in flight to keep the other cores busy while this thread runs the backbone.
  const load = (c: number) => {
    const p = loadPixels(paths, parts[c]!, spec, onProblem, 16)
    p.catch(() => {}) // awaited below; a failure is not left unobserved while the backbone runs
    return p
  }
  let next = parts.length ? load(0) : null
  const imageIds: number[] = []
  const labels: number[] = []
  const features: Float32Array[] = []
  for (let c = 0; c < parts.length; c++) {
    const set = await next!
    next = c + 1 < parts.length ? load(c + 1) : null
    features.push(await extractFeatures(paths, backbone, set, hashes, batchSize))
    imageIds.push(...set.imageIds)
    labels.push(...set.labels)
  }
  const all = new Float32Array(imageIds.length * backbone.featureDim)
  let at = 0
  for (const f of features) {
    all.set(f, at)
    at += f.length
  }
  return { imageIds, labels: Int32Array.from(labels), features: all }
}
