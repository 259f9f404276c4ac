import { StudioError } from '../../errors'
import { convKernel, depthwiseKernel, window, type GraphBuilder, type Value, type Weights } from './graph'

/** One Keras layer as the converter sees it: class, name, its (snake_case) config and its input's layer. */
export interface KerasLayer {
  className: string
  name: string
  config: Record<string, unknown>
  inbound: string | null
  /** A layer with several inputs (Concatenate): the layers of its inputs after the first. */
  more?: string[]
}

class UnsupportedLayer extends StudioError {}

const pair = (v: unknown, fallback: number): [number, number] =>
  Array.isArray(v) ? [Number(v[0]), Number(v[1] ?? v[0])] : v == null ? [fallback, fallback] : [Number(v), Number(v)]

/** The activation named in a layer's config, applied to `x` (linear: unchanged). */
export function activation(b: GraphBuilder, x: Value, name: unknown, hint: string): Value {
  const act = String(name ?? 'linear')
  const to = (n: string): Value => ({ ...x, name: n })
  switch (act) {
    case 'linear':
      return x
    case 'relu':
      return to(b.op('Relu', [x.name], `${hint}/relu`))
    case 'relu6':
      return clip(b, x, 0, 6, hint)
    case 'sigmoid':
      return to(b.op('Sigmoid', [x.name], `${hint}/sigmoid`))
    case 'tanh':
      return to(b.op('Tanh', [x.name], `${hint}/tanh`))
    case 'softmax':
      // Keras normalises over the last (channel) axis, which is axis 1 of an NCHW value.
      return to(b.op('Softmax', [x.name], `${hint}/softmax`, [{ name: 'axis', i: x.nchw ? 1 : -1 }]))
    default:
      throw new UnsupportedLayer(`activation ${JSON.stringify(act)} (layer ${hint}) has no ONNX export yet`)
  }
}

function clip(b: GraphBuilder, x: Value, lo: number, hi: number, hint: string): Value {
  const name = b.op('Clip', [x.name, b.scalar(`${hint}/min`, lo), b.scalar(`${hint}/max`, hi)], `${hint}/clip`)
  return { ...x, name }
}

/** Back to Keras' channels-last order, for layers whose meaning depends on it (Flatten, Reshape). */
export function toNhwc(b: GraphBuilder, x: Value, hint: string): Value {
  if (!x.nchw) return x
  return {
    ...x,
    nchw: false,
    name: b.op('Transpose', [x.name], `${hint}/nhwc`, [{ name: 'perm', ints: [0, 2, 3, 1] }]),
  }
}

function need(w: Weights, key: string, layer: KerasLayer) {
  const t = w[key]
  if (!t) throw new StudioError(`layer ${layer.name} has no ${key} weight`)
  return t
}

function image(x: Value, layer: KerasLayer): [number, number, number] {
  if (!x.nchw || x.shape.length !== 3)
    throw new UnsupportedLayer(`layer ${layer.name} (${layer.className}) needs an image input, got [${x.shape}]`)
  if (layer.config.data_format && layer.config.data_format !== 'channels_last')
    throw new UnsupportedLayer(`layer ${layer.name}: only channels_last models are exported`)
  return x.shape as [number, number, number]
}

function conv(b: GraphBuilder, x: Value, layer: KerasLayer, w: Weights, depthwise: boolean): Value {
  const [h, wd, c] = image(x, layer)
  const c0 = layer.config
  const kernel = depthwise ? depthwiseKernel(need(w, 'depthwise_kernel', layer)) : convKernel(need(w, 'kernel', layer))
  const [kh, kw] = [kernel.dims[2]!, kernel.dims[3]!]
  const [sh, sw] = pair(c0.strides, 1)
  const [dh, dw] = pair(c0.dilation_rate, 1)
  const padding = String(c0.padding ?? 'valid')
  const rows = window(h, kh, sh, dh, padding)
  const cols = window(wd, kw, sw, dw, padding)
  const inputs = [x.name, b.floats(`${layer.name}/W`, kernel.dims, kernel.data)]
  if (c0.use_bias !== false && w.bias) inputs.push(b.floats(`${layer.name}/B`, w.bias.shape, w.bias.data))
  const y = b.op('Conv', inputs, layer.name, [
    { name: 'kernel_shape', ints: [kh, kw] },
    { name: 'strides', ints: [sh, sw] },
    { name: 'dilations', ints: [dh, dw] },
    { name: 'pads', ints: [rows.pad[0], cols.pad[0], rows.pad[1], cols.pad[1]] },
    { name: 'group', i: depthwise ? c : 1 },
  ])
  return activation(b, { name: y, shape: [rows.out, cols.out, kernel.dims[0]!], nchw: true }, c0.activation, layer.name)
}

function pool(b: GraphBuilder, x: Value, layer: KerasLayer, op: 'MaxPool' | 'AveragePool'): Value {
  const [h, wd, c] = image(x, layer)
  const [ph, pw] = pair(layer.config.pool_size, 2)
  const [sh, sw] = pair(layer.config.strides ?? layer.config.pool_size, 2)
  const padding = String(layer.config.padding ?? 'valid')
  const rows = window(h, ph, sh, 1, padding)
  const cols = window(wd, pw, sw, 1, padding)
  // AveragePool's default (count_include_pad = 0) averages over real pixels only, as TensorFlow does.
  const y = b.op(op, [x.name], layer.name, [
    { name: 'kernel_shape', ints: [ph, pw] },
    { name: 'strides', ints: [sh, sw] },
    { name: 'pads', ints: [rows.pad[0], cols.pad[0], rows.pad[1], cols.pad[1]] },
  ])
  return { name: y, shape: [rows.out, cols.out, c], nchw: true }
}

function dense(b: GraphBuilder, x: Value, layer: KerasLayer, w: Weights): Value {
  const k = need(w, 'kernel', layer)
  const [nin, nout] = k.shape as [number, number]
  if (x.nchw || x.shape[x.shape.length - 1] !== nin)
    throw new UnsupportedLayer(`layer ${layer.name} (Dense) on input [${x.shape}] is not exported`)
  const bias = layer.config.use_bias !== false && w.bias ? w.bias : null
  let y: string
  if (x.shape.length === 1) {
    const inputs = [x.name, b.floats(`${layer.name}/W`, k.shape, k.data)]
    if (bias) inputs.push(b.floats(`${layer.name}/B`, bias.shape, bias.data))
    y = b.op('Gemm', inputs, layer.name)
  } else {
    y = b.op('MatMul', [x.name, b.floats(`${layer.name}/W`, k.shape, k.data)], `${layer.name}/matmul`)
    if (bias) y = b.op('Add', [y, b.floats(`${layer.name}/B`, bias.shape, bias.data)], layer.name)
  }
  return activation(
    b,
    { name: y, shape: [...x.shape.slice(0, -1), nout], nchw: false },
    layer.config.activation,
    layer.name,
  )
}

function batchNorm(b: GraphBuilder, x: Value, layer: KerasLayer, w: Weights): Value {
  const axis = Number(layer.config.axis ?? -1)
  const rank = x.shape.length + 1
  if (axis !== -1 && axis !== rank - 1)
    throw new UnsupportedLayer(`layer ${layer.name}: batch normalization over axis ${axis} is not exported`)
  const c = x.shape[x.shape.length - 1]!
  if (x.shape.length === 2) throw new UnsupportedLayer(`layer ${layer.name}: batch normalization of 3-D values`)
  const of = (key: string, fill: number) => w[key]?.data ?? new Float32Array(c).fill(fill)
  const inputs = [
    b.floats(`${layer.name}/scale`, [c], of('gamma', 1)),
    b.floats(`${layer.name}/bias`, [c], of('beta', 0)),
    b.floats(`${layer.name}/mean`, [c], need(w, 'moving_mean', layer).data),
    b.floats(`${layer.name}/var`, [c], need(w, 'moving_variance', layer).data),
  ]
  const eps = Number(layer.config.epsilon ?? 1e-3)
  return { ...x, name: b.op('BatchNormalization', [x.name, ...inputs], layer.name, [{ name: 'epsilon', f: eps }]) }
}

function reshape(b: GraphBuilder, x: Value, layer: KerasLayer, target: number[]): Value {
  const flat = toNhwc(b, x, layer.name)
  const size = x.shape.reduce((a, d) => a * d, 1)
  const known = target.filter((d) => d !== -1).reduce((a, d) => a * d, 1)
  const shape = target.map((d) => (d === -1 ? size / known : d))
  // 0 keeps the batch axis, whatever the batch size.
  const y = b.op('Reshape', [flat.name, b.int64s(`${layer.name}/shape`, [0, ...shape])], layer.name)
  const out: Value = { name: y, shape, nchw: false }
  if (shape.length !== 3) return out
  return {
    name: b.op('Transpose', [y], `${layer.name}/nchw`, [{ name: 'perm', ints: [0, 3, 1, 2] }]),
    shape,
    nchw: true,
  }
}

/** ZeroPadding2D's padding: n, [rows, cols] (both sides) or [[top, bottom], [left, right]]. */
function zeroPadding(p: unknown): [[number, number], [number, number]] {
  if (!Array.isArray(p)) return [pair(p, 1), pair(p, 1)]
  const side = (v: unknown): [number, number] => (Array.isArray(v) ? pair(v, 0) : [Number(v), Number(v)])
  return [side(p[0]), side(p[1])]
}

/** Adds one layer to the graph; returns its output value. `more`: a multi-input layer's other inputs. */
export function convertLayer(b: GraphBuilder, x: Value, layer: KerasLayer, w: Weights, more: Value[] = []): Value {
  const cfg = layer.config
  switch (layer.className) {
    case 'Concatenate': {
      // Feature vectors side by side (the transfer preset's pooled features and class scores).
      const all = [x, ...more]
      if (all.some((v) => v.nchw || v.shape.length !== 1) || ![-1, 1].includes(Number(cfg.axis ?? -1)))
        throw new UnsupportedLayer(`layer ${layer.name} (Concatenate) is exported for vectors only`)
      const size = all.reduce((n, v) => n + v.shape[0]!, 0)
      const y = b.op(
        'Concat',
        all.map((v) => v.name),
        layer.name,
        [{ name: 'axis', i: 1 }],
      )
      return { name: y, shape: [size], nchw: false }
    }
    case 'Dropout':
    case 'SpatialDropout2D':
    case 'GaussianNoise':
    case 'GaussianDropout':
      return x // training-time only
    case 'Conv2D':
      return conv(b, x, layer, w, false)
    case 'DepthwiseConv2D':
      return conv(b, x, layer, w, true)
    case 'Dense':
      return dense(b, x, layer, w)
    case 'MaxPooling2D':
      return pool(b, x, layer, 'MaxPool')
    case 'AveragePooling2D':
      return pool(b, x, layer, 'AveragePool')
    case 'GlobalAveragePooling2D':
    case 'GlobalMaxPooling2D': {
      const [, , c] = image(x, layer)
      const op = layer.className === 'GlobalMaxPooling2D' ? 'GlobalMaxPool' : 'GlobalAveragePool'
      const pooled = b.op(op, [x.name], `${layer.name}/pool`)
      if (cfg.keepdims === true) return { name: pooled, shape: [1, 1, c], nchw: true }
      return { name: b.op('Flatten', [pooled], layer.name, [{ name: 'axis', i: 1 }]), shape: [c], nchw: false }
    }
    case 'BatchNormalization':
      return batchNorm(b, x, layer, w)
    case 'Activation':
      return activation(b, x, cfg.activation, layer.name)
    case 'ReLU': {
      if (cfg.max_value == null) return activation(b, x, 'relu', layer.name)
      return clip(b, x, 0, Number(cfg.max_value), layer.name)
    }
    case 'Softmax':
      return activation(b, x, 'softmax', layer.name)
    case 'Flatten': {
      // Keras flattens channels-last: go back to NHWC first so the next Dense layer's rows still line up.
      const flat = toNhwc(b, x, layer.name)
      const size = x.shape.reduce((a, d) => a * d, 1)
      return { name: b.op('Flatten', [flat.name], layer.name, [{ name: 'axis', i: 1 }]), shape: [size], nchw: false }
    }
    case 'Reshape':
      return reshape(b, x, layer, (cfg.target_shape as number[]).map(Number))
    case 'ZeroPadding2D': {
      const [h, wd, c] = image(x, layer)
      const [[t, bo], [l, r]] = zeroPadding(cfg.padding)
      const pads = b.int64s(`${layer.name}/pads`, [0, 0, t, l, 0, 0, bo, r])
      return { name: b.op('Pad', [x.name, pads], layer.name), shape: [h + t + bo, wd + l + r, c], nchw: true }
    }
    default:
      throw new UnsupportedLayer(`layer ${layer.name} (${layer.className}) has no ONNX export yet`)
  }
}
