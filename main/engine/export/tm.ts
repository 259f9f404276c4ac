import type * as tf from '@tensorflow/tfjs'
import type { Preprocessing } from '../runs'
import { STUDIO_VERSION } from '../version'
import { readModel, writeModel, type ExportFiles, type ModelJson } from './tfjs-files'

/**
 * The Teachable-Machine variant (tm/): model.json + weights.bin + metadata.json, loadable with
 * `tmImage.load('tm/model.json', 'tm/metadata.json')` from @teachablemachine/image. TM's loader
 * centre-crops to metadata.imageSize on a canvas and scales pixels as x / 127 − 1 (its utils/tf.ts
 * `capture`); a leading 1×1 depthwise layer turns that into the scaling the model was trained on,
 * so TM's own preprocessing gives Studio's numbers.
 */

/** The versions the variant was verified against (tests/e2e/tm-export.e2e.test.ts): TM pins TF.js 1.3.1. */
export const TM_PACKAGE = '@teachablemachine/image'
export const TM_PACKAGE_VERSION = '0.8.5'
export const TM_TFJS_VERSION = '1.3.1'
export const TM_FOLDER = 'tm'
const RESCALE = 'studio_tm_rescale'

/** metadata.json with the fields TM writes (custom-mobilenet.ts `Metadata`). */
export interface TmMetadata {
  tfjsVersion: string
  tmVersion: string
  packageVersion: string
  packageName: string
  modelName: string
  timeStamp: string
  labels: string[]
  imageSize: number
  userMetadata: Record<string, unknown>
}

interface LayerJson {
  class_name: string
  name?: string
  config: Record<string, unknown>
  inbound_nodes?: [string, number, number, unknown][][]
}

interface TopologyJson {
  class_name: string
  config: { layers: LayerJson[]; input_layers?: [string, number, number][] }
}

/** y = a·t + b per channel maps TM's t = x/127 − 1 to the model's own scaling of the same pixel x. */
export function tmRescale(scaling: Preprocessing['scaling']): { a: number; b: number } {
  // x = 127·(t + 1); unit: x/255; symmetric: x/127.5 − 1.
  if (scaling === 'unit') return { a: 127 / 255, b: 127 / 255 }
  return { a: 127 / 127.5, b: 127 / 127.5 - 1 }
}

/** Writes tm/ for the export's top-level layers model (model.json taking images); returns its files. */
export function addTmFiles(
  files: ExportFiles,
  pre: Preprocessing,
  info: { runId: number; preset: string; labels: string[]; now?: Date },
): string[] {
  const model = readModel(files, '')
  const size = pre.inputSize
  const { a, b } = tmRescale(pre.scaling)
  const topology = withRescaleLayer(model.json.modelTopology, size)
  const specs: tf.io.WeightsManifestEntry[] = [
    ...model.specs,
    { name: `${RESCALE}/depthwise_kernel`, shape: [1, 1, 3, 1], dtype: 'float32' },
    { name: `${RESCALE}/bias`, shape: [3], dtype: 'float32' },
  ]
  const extra = new Float32Array([a, a, a, b, b, b])
  const data = new Uint8Array(model.data.byteLength + extra.byteLength)
  data.set(model.data)
  data.set(new Uint8Array(extra.buffer), model.data.byteLength)
  const json: ModelJson = { ...model.json, modelTopology: topology }
  const written = writeModel(files, TM_FOLDER, json, specs, data)
  const metadata: TmMetadata = {
    tfjsVersion: TM_TFJS_VERSION,
    tmVersion: `studio-${STUDIO_VERSION}`,
    packageVersion: TM_PACKAGE_VERSION,
    packageName: TM_PACKAGE,
    modelName: `studio-run-${info.runId}`,
    timeStamp: (info.now ?? new Date()).toISOString(),
    labels: info.labels,
    imageSize: size,
    userMetadata: {
      producer: `Studio ${STUDIO_VERSION}`,
      run: info.runId,
      preset: info.preset,
      trainedOn: `RGB, ${pre.fit} to ${size}×${size}, scaled ${pre.scalingFormula}`,
      scaling: `TM scales x/127 − 1; the model's first layer (${RESCALE}) converts that to ${pre.scalingFormula}`,
    },
  }
  files[`${TM_FOLDER}/metadata.json`] = JSON.stringify(metadata, null, 2)
  return [...written, `${TM_FOLDER}/metadata.json`]
}

/** What a TM user should know about this run's variant (crop and resampling differ from Studio's). */
export function tmNote(pre: Preprocessing): string {
  const crop =
    pre.fit === 'contain'
      ? 'this run was trained on whole images padded to a square (fit contain), but TM crops the centre ' +
        'square: on images that are not square its predictions differ from Studio’s'
      : 'TM crops the centre square as Studio does (fit cover)'
  return (
    `load with tmImage.load('tm/model.json', 'tm/metadata.json'); TM scales pixels x/127 − 1 and the model's ` +
    `first layer converts that to ${pre.scalingFormula}; ${crop}; TM resizes on a canvas, Studio with ` +
    'sharp (lanczos3), so probabilities differ slightly on images that need resizing'
  )
}

/**
 * The topology with a 1×1 depthwise layer (the rescaling) first: for a Sequential model it becomes
 * the first layer and takes over the input shape; for a functional model it sits between the input
 * layer and every layer that read the input.
 */
export function withRescaleLayer(modelTopology: unknown, size: number): TopologyJson {
  const wrapped = (modelTopology as { model_config?: TopologyJson }).model_config
  const top = structuredClone(wrapped ?? (modelTopology as TopologyJson))
  const layers = top.config.layers
  const shape = JSON.stringify(layers[0]?.config.batch_input_shape)
  if (shape !== JSON.stringify([null, size, size, 3]))
    throw new Error(`the model takes ${shape}, not the [N, ${size}, ${size}, 3] images Teachable Machine gives`)
  const rescale: LayerJson = { class_name: 'DepthwiseConv2D', config: rescaleConfig() }
  if (top.class_name === 'Sequential') {
    const first = layers[0]!
    if (first.class_name === 'InputLayer') throw new Error('a Sequential model without an InputLayer was expected')
    rescale.config.batch_input_shape = first.config.batch_input_shape
    delete first.config.batch_input_shape
    layers.unshift(rescale)
    return top
  }
  const inputs = top.config.input_layers ?? []
  if (inputs.length !== 1) throw new Error(`a model with one input was expected (it has ${inputs.length})`)
  const input = inputs[0]![0]
  for (const layer of layers)
    for (const node of layer.inbound_nodes ?? []) for (const edge of node) if (edge[0] === input) edge[0] = RESCALE
  rescale.name = RESCALE
  rescale.inbound_nodes = [[[input, 0, 0, {}]]]
  const at = layers.findIndex((l) => l.name === input)
  layers.splice(at + 1, 0, rescale)
  return top
}

function rescaleConfig(): Record<string, unknown> {
  const zeros = { class_name: 'Zeros', config: {} }
  return {
    name: RESCALE,
    trainable: false,
    dtype: 'float32',
    kernel_size: [1, 1],
    strides: [1, 1],
    padding: 'valid',
    data_format: 'channels_last',
    dilation_rate: [1, 1],
    activation: 'linear',
    use_bias: true,
    depth_multiplier: 1,
    depthwise_initializer: zeros,
    bias_initializer: zeros,
    depthwise_regularizer: null,
    bias_regularizer: null,
    activity_regularizer: null,
    depthwise_constraint: null,
    bias_constraint: null,
  }
}
