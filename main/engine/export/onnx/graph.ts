import { FLOAT, INT64, type Attr, type Node, type Tensor } from './proto'

/** A layer's weights by their short name (kernel, bias, gamma, moving_mean…). */
export type Weights = Record<string, { shape: number[]; data: Float32Array }>

/**
 * A value flowing through the graph. `shape` is the Keras shape without the batch axis (so
 * [H, W, C] for images); 4-D values are kept channels-first (NCHW) inside the graph, which is
 * what ONNX's Conv and pooling operators take, and `nchw` says when that is the case.
 */
export interface Value {
  name: string
  shape: number[]
  nchw: boolean
}

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1

function swapped(data: Float32Array): Uint8Array {
  const raw = new Uint8Array(data.length * 4)
  const view = new DataView(raw.buffer)
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i]!, true)
  return raw
}

/** Collects nodes and initializers with unique names. */
export class GraphBuilder {
  readonly nodes: Node[] = []
  readonly initializers: Tensor[] = []
  private used = new Set<string>()

  unique(hint: string): string {
    const base = hint.replace(/[^A-Za-z0-9_./-]/g, '_') || 'v'
    let name = base
    for (let k = 1; this.used.has(name); k++) name = `${base}_${k}`
    this.used.add(name)
    return name
  }

  /** Adds a node and returns its (single) output's name. */
  op(op: string, inputs: string[], hint: string, attrs: Attr[] = []): string {
    const out = this.unique(hint)
    this.nodes.push({ op, name: out, inputs, outputs: [out], attrs })
    return out
  }

  floats(hint: string, dims: number[], data: Float32Array): string {
    const name = this.unique(hint)
    // ONNX raw data is little-endian, as the typed array already is on every host Studio runs on.
    const raw = LITTLE_ENDIAN ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice() : swapped(data)
    this.initializers.push({ name, dims, type: FLOAT, raw })
    return name
  }

  int64s(hint: string, values: number[]): string {
    const name = this.unique(hint)
    const raw = new Uint8Array(values.length * 8)
    const view = new DataView(raw.buffer)
    values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true))
    this.initializers.push({ name, dims: [values.length], type: INT64, raw })
    return name
  }

  scalar(hint: string, v: number): string {
    return this.floats(hint, [], Float32Array.of(v))
  }
}

/** Keras [kh, kw, in, out] convolution kernel as ONNX [out, in, kh, kw]. */
export function convKernel(k: { shape: number[]; data: Float32Array }): { dims: number[]; data: Float32Array } {
  const [kh, kw, cin, cout] = k.shape as [number, number, number, number]
  const out = new Float32Array(k.data.length)
  for (let i = 0; i < kh; i++)
    for (let j = 0; j < kw; j++)
      for (let c = 0; c < cin; c++)
        for (let o = 0; o < cout; o++)
          out[((o * cin + c) * kh + i) * kw + j] = k.data[((i * kw + j) * cin + c) * cout + o]!
  return { dims: [cout, cin, kh, kw], data: out }
}

/**
 * Keras depthwise [kh, kw, in, mult] kernel as an ONNX grouped-convolution weight [in·mult, 1, kh, kw]:
 * TensorFlow orders the depthwise outputs channel-major (output c·mult + m).
 */
export function depthwiseKernel(k: { shape: number[]; data: Float32Array }): { dims: number[]; data: Float32Array } {
  const [kh, kw, cin, mult] = k.shape as [number, number, number, number]
  const out = new Float32Array(k.data.length)
  for (let i = 0; i < kh; i++)
    for (let j = 0; j < kw; j++)
      for (let c = 0; c < cin; c++)
        for (let m = 0; m < mult; m++)
          out[((c * mult + m) * kh + i) * kw + j] = k.data[((i * kw + j) * cin + c) * mult + m]!
  return { dims: [cin * mult, 1, kh, kw], data: out }
}

/**
 * Output size and the [begin, end] padding of one spatial axis, as TensorFlow computes them:
 * "same" puts the odd pixel of padding at the end, "valid" pads nothing.
 */
export function window(
  size: number,
  kernel: number,
  stride: number,
  dilation: number,
  padding: string,
): { out: number; pad: [number, number] } {
  const span = (kernel - 1) * dilation + 1
  if (padding === 'valid') return { out: Math.floor((size - span) / stride) + 1, pad: [0, 0] }
  if (padding !== 'same') throw new Error(`padding ${JSON.stringify(padding)} is not supported`)
  const out = Math.ceil(size / stride)
  const total = Math.max((out - 1) * stride + span - size, 0)
  const begin = Math.floor(total / 2)
  return { out, pad: [begin, total - begin] }
}
