import * as tf from '@tensorflow/tfjs'
import { StudioError } from '../../errors'
import { GraphBuilder, type Value, type Weights } from './graph'
import { convertLayer, toNhwc, type KerasLayer } from './layers'
import { encodeModel } from './proto'

export interface OnnxOptions {
  /** ONNX opset to declare (13 or later; the operators used here are unchanged up to 21). */
  opset?: number
  /** Names of the graph's input and output. */
  inputName?: string
  outputName?: string
  /** Written into the model's doc_string (e.g. the run and its preprocessing). */
  doc?: string
  producerVersion?: string
}

/** What the converter needs of a model: its Keras topology and each layer's weights. */
export interface KerasSource {
  /** The model's JSON topology: `{class_name, config}`, or a Keras file's `{model_config: {...}}`. */
  topology: unknown
  weights(layer: string): Weights
}

interface Parsed {
  layers: KerasLayer[]
  input: { name: string; shape: number[] }
  output: string
}

type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)

/** A TF.js layers model, with the weights it has now, as ONNX model bytes. */
export function toOnnx(model: tf.LayersModel, opts: OnnxOptions = {}): Uint8Array {
  const weights = (name: string): Weights => {
    const layer = model.getLayer(name)
    const values = layer.getWeights()
    return Object.fromEntries(
      layer.weights.map((w, i) => [
        w.originalName.split('/').pop()!,
        { shape: values[i]!.shape, data: values[i]!.dataSync() as Float32Array },
      ]),
    )
  }
  return convertKeras({ topology: model.toJSON(null, false), weights }, opts)
}

/** A saved TF.js layers model (model.json + weights, e.g. from readArtifacts) as ONNX model bytes. */
export function onnxFromArtifacts(artifacts: tf.io.ModelArtifacts, opts: OnnxOptions = {}): Uint8Array {
  const byLayer = new Map<string, Weights>()
  for (const [name, value] of Object.entries(weightValues(artifacts))) {
    // Weight names are <layer>/<weight> (possibly under an outer scope).
    const parts = name.split('/')
    const layer = parts[parts.length - 2] ?? ''
    const entry = byLayer.get(layer) ?? {}
    entry[parts[parts.length - 1]!] = value
    byLayer.set(layer, entry)
  }
  return convertKeras({ topology: artifacts.modelTopology, weights: (n) => byLayer.get(n) ?? {} }, opts)
}

/**
 * The saved weights as float32 arrays. Plain float32 weights are read straight from the bytes
 * (decoding them into tensors first takes seconds for the seed CNN); quantized or other dtypes go
 * through TF.js's own decoder.
 */
function weightValues(artifacts: tf.io.ModelArtifacts): Weights {
  const { weightData, weightSpecs } = artifacts
  if (!weightData || !weightSpecs) throw new StudioError('the model has no weights to export')
  const out: Weights = {}
  if (weightSpecs.every((s) => s.dtype === 'float32' && !s.quantization)) {
    const buffers = Array.isArray(weightData) ? weightData : [weightData]
    const bytes = new Uint8Array(buffers.reduce((n, b) => n + b.byteLength, 0))
    let at = 0
    for (const b of buffers) {
      bytes.set(new Uint8Array(b), at)
      at += b.byteLength
    }
    let offset = 0
    for (const spec of weightSpecs) {
      const n = spec.shape.reduce((a, d) => a * d, 1)
      const data = new Float32Array(bytes.buffer.slice(offset, offset + n * 4))
      out[spec.name] = { shape: spec.shape, data }
      offset += n * 4
    }
    return out
  }
  const tensors = tf.io.decodeWeights(weightData, weightSpecs)
  try {
    for (const [name, t] of Object.entries(tensors))
      out[name] = { shape: t.shape, data: (t.dataSync() as Float32Array).slice() }
  } finally {
    tf.dispose(Object.values(tensors))
  }
  return out
}

/** Converts a Keras topology and its weights (see KerasSource) into ONNX model bytes. */
export function convertKeras(source: KerasSource, opts: OnnxOptions = {}): Uint8Array {
  const opset = opts.opset ?? 13
  if (opset < 13) throw new StudioError(`ONNX opset ${opset} is not supported (13 or later)`)
  const { layers, input, output } = parseTopology(source.topology)
  const b = new GraphBuilder()
  const inputName = b.unique(opts.inputName ?? 'input')
  const values = new Map<string, Value>()
  const rank = input.shape.length
  values.set(
    input.name,
    rank === 3
      ? {
          name: b.op('Transpose', [inputName], 'input/nchw', [{ name: 'perm', ints: [0, 3, 1, 2] }]),
          shape: input.shape,
          nchw: true,
        }
      : { name: inputName, shape: input.shape, nchw: false },
  )
  for (const layer of layers) {
    const x = values.get(layer.inbound ?? '')
    if (!x) throw new StudioError(`layer ${layer.name} reads ${layer.inbound}, which comes later or not at all`)
    const more = (layer.more ?? []).map((name) => {
      const v = values.get(name)
      if (!v) throw new StudioError(`layer ${layer.name} reads ${name}, which comes later or not at all`)
      return v
    })
    values.set(layer.name, convertLayer(b, x, layer, source.weights(layer.name), more))
  }
  const last = toNhwc(b, values.get(output)!, 'output')
  const outputName = b.unique(opts.outputName ?? 'probabilities')
  b.nodes.push({ op: 'Identity', name: outputName, inputs: [last.name], outputs: [outputName], attrs: [] })
  return encodeModel({
    graph: {
      name: 'studio',
      nodes: b.nodes,
      initializers: b.initializers,
      inputs: [{ name: inputName, dims: ['N', ...input.shape] }],
      outputs: [{ name: outputName, dims: ['N', ...last.shape] }],
    },
    opset,
    producer: 'Studio',
    producerVersion: opts.producerVersion ?? '',
    doc: opts.doc ?? '',
  })
}

/**
 * The layers in order, each with the one layer it reads, of a Sequential or single-path functional
 * model; a Concatenate may read several (a branch that joins again, e.g. class scores beside features).
 */
export function parseTopology(topology: unknown): Parsed {
  const t = isObject(topology) && isObject(topology.model_config) ? topology.model_config : topology
  if (!isObject(t) || !('config' in t)) throw new StudioError('the model has no Keras topology to export')
  const cls = String(t.class_name)
  const config = t.config
  if (cls === 'Sequential') {
    const list = (Array.isArray(config) ? config : isObject(config) ? config.layers : null) as Json[] | null
    if (!list?.length) throw new StudioError('the Sequential model has no layers')
    const shapeOf = (l: Json) => (isObject(l.config) ? l.config.batch_input_shape : null) as number[] | null
    const first = list[0]!
    const shape = shapeOf(first)
    if (!shape) throw new StudioError('the Sequential model does not state its input shape')
    const body = first.class_name === 'InputLayer' ? list.slice(1) : list
    const layers = body.map((l, i) => layerOf(l, i === 0 ? 'input' : nameOf(body[i - 1]!)))
    return { layers, input: { name: 'input', shape: shape.slice(1).map(Number) }, output: layers.at(-1)!.name }
  }
  if (cls !== 'Model' && cls !== 'Functional') throw new StudioError(`a ${cls} model cannot be exported to ONNX`)
  if (!isObject(config)) throw new StudioError('the model has no layer list to export')
  const ins = config.input_layers as [string, number, number][]
  const outs = config.output_layers as [string, number, number][]
  if (ins.length !== 1 || outs.length !== 1) throw new StudioError('only models with one input and one output export')
  const list = config.layers as Json[]
  const inputLayer = list.find((l) => nameOf(l) === ins[0]![0])
  const shape = (inputLayer?.config as Json | undefined)?.batch_input_shape as number[] | undefined
  if (!shape) throw new StudioError(`the model's input ${ins[0]![0]} does not state its shape`)
  const layers = list
    .filter((l) => l !== inputLayer)
    .map((l) => {
      const nodes = l.inbound_nodes as unknown[][][]
      const joins = l.class_name === 'Concatenate' && nodes.length === 1 && nodes[0]!.length > 1
      if (nodes.length !== 1 || (nodes[0]!.length !== 1 && !joins))
        throw new StudioError(`layer ${nameOf(l)} has several inputs or is used twice; only chains export to ONNX`)
      const layer = layerOf(l, String(nodes[0]![0]![0]))
      if (joins) layer.more = nodes[0]!.slice(1).map((n) => String(n[0]))
      return layer
    })
  return { layers, input: { name: ins[0]![0], shape: shape.slice(1).map(Number) }, output: outs[0]![0] }
}

function nameOf(l: Json): string {
  return String(l.name ?? (l.config as Json).name)
}

function layerOf(l: Json, inbound: string): KerasLayer {
  const className = String(l.class_name)
  if (['Sequential', 'Model', 'Functional'].includes(className))
    throw new StudioError(`layer ${nameOf(l)} is a nested model; flatten it before exporting to ONNX`)
  return { className, name: nameOf(l), config: l.config as Json, inbound }
}
