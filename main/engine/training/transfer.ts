import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { NotFoundError, StudioError, ValidationError } from '../errors'
import { writeAtomic } from '../media/ingest'
import type { ProjectPaths } from '../store'
import { makeInputs } from './batches'
import { readArtifacts } from './model-io'
import type { PixelSet } from './pixels'
import type { Scaling } from './presets'

/** How a known backbone is cut and fed. Unknown layers-model backbones use the defaults below. */
export interface BackboneSpec {
  /** Layer whose output is the feature map (global-average-pooled into the feature vector). */
  cut: string | null
  scaling: Scaling
}

/** Backbones we know the right cut and input scaling of (see the models' SOURCE.md). */
const KNOWN: Record<string, BackboneSpec> = {
  'mobilenet_v1_0.25_224': { cut: 'conv_pw_13_relu', scaling: 'symmetric' },
}

/** The models folder: STUDIO_MODELS_DIR, else ~/.studio/models. */
export function modelsDir(explicit?: string | null): string {
  return path.resolve(explicit ?? process.env.STUDIO_MODELS_DIR ?? path.join(os.homedir(), '.studio', 'models'))
}

export interface Backbone {
  name: string
  /** Image → pooled feature vector. */
  extractor: tf.LayersModel
  inputSize: number
  featureDim: number
  scaling: Scaling
}

/** Backbone folders in the models folder (those with a model.json). */
export function listBackbones(dir: string): string[] {
  if (!fs.existsSync(dir)) return []
  return fs.readdirSync(dir).filter((d) => fs.existsSync(path.join(dir, d, 'model.json'))).sort()
}

/**
 * Loads a TF.js layers model from the models folder and cuts it at its feature layer, adding global
 * average pooling. Missing, malformed or unsuitable backbones give an error naming the file.
 */
export async function loadBackbone(dir: string, name: string): Promise<Backbone> {
  const folder = path.join(dir, name)
  const file = path.join(folder, 'model.json')
  if (!fs.existsSync(file)) {
    const have = listBackbones(dir)
    throw new NotFoundError(`backbone ${JSON.stringify(name)} not found: no ${file}${have.length ? ` (available: ${have.join(', ')})` : ''}`)
  }
  let artifacts: tf.io.ModelArtifacts
  try {
    artifacts = readArtifacts(folder)
  } catch (err) {
    throw new StudioError(`backbone ${file} cannot be read: ${(err as Error).message}`)
  }
  const topology = artifacts.modelTopology as { node?: unknown } | undefined
  if (!topology || topology.node) {
    throw new ValidationError(`backbone ${file} is a graph model; the transfer preset needs a TF.js layers model (e.g. mobilenet_v1_0.25_224)`)
  }
  let model: tf.LayersModel
  try {
    model = await tf.loadLayersModel(tf.io.fromMemory(artifacts))
  } catch (err) {
    throw new StudioError(`backbone ${file} is not a loadable TF.js layers model: ${(err as Error).message}`)
  }
  const spec = KNOWN[name] ?? { cut: null, scaling: 'symmetric' }
  const input = model.inputs[0]!.shape
  if (input.length !== 4 || input[3] !== 3 || !input[1] || input[1] !== input[2]) {
    model.dispose()
    throw new ValidationError(`backbone ${file} takes input ${JSON.stringify(input)}; the transfer preset needs square RGB images [N, S, S, 3]`)
  }
  let features: tf.SymbolicTensor
  try {
    features = (spec.cut ? model.getLayer(spec.cut) : model.layers[model.layers.length - 2]!).output as tf.SymbolicTensor
  } catch {
    model.dispose()
    throw new ValidationError(`backbone ${file} has no layer ${JSON.stringify(spec.cut)} to cut at`)
  }
  const pooled = features.shape.length === 4 ? (tf.layers.globalAveragePooling2d({}).apply(features) as tf.SymbolicTensor) : features
  const extractor = tf.model({ inputs: model.inputs, outputs: pooled })
  return { name, extractor, inputSize: input[1] as number, featureDim: pooled.shape[1] as number, scaling: spec.scaling }
}

/** The trainable head on top of the pooled features: dropout and a softmax layer. */
export function transferHead(featureDim: number, numClasses: number, seed: number): tf.Sequential {
  const head = tf.sequential({ name: 'head' })
  head.add(tf.layers.dropout({ inputShape: [featureDim], rate: 0.2, seed }))
  head.add(tf.layers.dense({ units: numClasses, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }))
  return head
}

/** Backbone and head as one model, for saving, export and prediction from images. */
export function combine(backbone: Backbone, head: tf.Sequential): tf.LayersModel {
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
  for (let s = 0; s < todo.length; s += batchSize) {
    const idx = todo.slice(s, s + batchSize)
    const data = tf.tidy(() => (backbone.extractor.predict(makeInputs(set, idx, backbone.scaling)) as tf.Tensor).dataSync() as Float32Array)
    for (let k = 0; k < idx.length; k++) {
      const vec = data.slice(k * dim, (k + 1) * dim)
      out.set(vec, idx[k]! * dim)
      await writeAtomic(path.join(dir, `${hashes.get(set.imageIds[idx[k]!]!)}.f32`), Buffer.from(vec.buffer), paths.tmp)
    }
  }
  return out
}
