import fs from 'node:fs'
import path from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { NotFoundError, StudioError, ValidationError } from '../errors'
import { checkFiles } from './backbone-files'
import { BackboneError, KNOWN, MANIFEST } from './backbone-manifest'
import { backboneSpec, type BackboneSpec } from './backbones'
import { readClassifier, type Classifier } from './class-scores'
import type { BackboneSource } from './extract-batch'
import { fuseChain, type FusedChain } from './fused-backbone'
import { readArtifacts } from './model-io'
import type { Scaling } from './presets/scaling'

/**
 * Loading a backbone folder (transfer.ts re-exports it): kept apart from the extraction code so
 * an extraction thread (extract-worker.ts) loads the model without the decoding pipeline.
 */

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
