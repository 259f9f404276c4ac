import * as tf from '@tensorflow/tfjs'

/**
 * A layers-model backbone (Keras MobileNet and the like: a chain of convolution → batch norm →
 * ReLU/ReLU6 blocks) rewritten for feature extraction as fused convolutions: each block's batch
 * norm is folded into the convolution's weights and bias, and the activation runs inside the same
 * kernel (tf.fused.conv2d / depthwiseConv2d). The tfjs-layers model runs three kernels per block,
 * each a pass over a large activation; this runs one, giving the same features to float rounding.
 * Only extraction uses it; saving, export and prediction keep the original layers model.
 */
export interface FusedChain {
  /** Image batch → the cut layer's output, global-average-pooled: [N, channels]. */
  features(x: tf.Tensor4D): tf.Tensor2D
  /** Image batch → the cut layer's output itself, [N, h, w, channels] (what Grad-CAM weighs). */
  featureMap(x: tf.Tensor4D): tf.Tensor4D
  /** Number of fused convolution blocks. */
  blocks: number
  /**
   * The chain in stages, as fine-tuning unfreezes it: a depthwise convolution and the convolution
   * after it are one stage (MobileNet's depthwise-separable block), any other convolution its own.
   * `layer` is the stage's first layer in the layers model.
   */
  stages: { layer: string }[]
  /** Image batch → the activation that enters stage `s` (s = stages.length: the cut's output map). */
  mapUntil(x: tf.Tensor4D, s: number): tf.Tensor4D
  /** The activation that enters stage `s` → the cut's output map. */
  mapFrom(y: tf.Tensor4D, s: number): tf.Tensor4D
  dispose(): void
}

type Activation = 'linear' | 'relu' | 'relu6'

interface Block {
  /** Name of the convolution layer this block starts at. */
  layer: string
  depthwise: boolean
  filter: tf.Tensor4D
  bias: tf.Tensor1D
  strides: [number, number]
  pad: 'same' | 'valid'
  activation: Activation
}

interface LayerConfig {
  strides?: number | number[]
  padding?: string
  dilation_rate?: number | number[]
  dilationRate?: number | number[]
  data_format?: string
  dataFormat?: string
  activation?: string
  use_bias?: boolean
  useBias?: boolean
  max_value?: number | null
  maxValue?: number | null
  threshold?: number
  negative_slope?: number
  axis?: number | number[]
  epsilon?: number
  center?: boolean
  scale?: boolean
}

const pair = (v: number | number[] | undefined, d: number): [number, number] =>
  Array.isArray(v) ? [v[0]!, v[1] ?? v[0]!] : [v ?? d, v ?? d]

/** Activation of an Activation or ReLU layer, or null when it is something else. */
function activationOf(layer: tf.layers.Layer): Activation | null {
  const c = layer.getConfig() as LayerConfig
  const name = layer.getClassName()
  if (name === 'Activation')
    return c.activation === 'relu' || c.activation === 'relu6'
      ? c.activation
      : c.activation === 'linear'
        ? 'linear'
        : null
  if (name === 'ReLU') {
    if ((c.threshold ?? 0) !== 0 || (c.negative_slope ?? 0) !== 0) return null
    const max = c.max_value ?? c.maxValue ?? null
    return max === null ? 'relu' : max === 6 ? 'relu6' : null
  }
  return null
}

/**
 * The fused form of `model` up to `cut` (its layers in order, each fed by the one before), or
 * null where the chain has a layer this cannot fuse (the caller keeps the layers model).
 */
export function fuseChain(model: tf.LayersModel, cut: tf.layers.Layer): FusedChain | null {
  const layers = model.layers
  const end = layers.indexOf(cut)
  if (end < 0) return null
  const blocks: Block[] = []
  const made: tf.Tensor[] = []
  const fail = () => {
    tf.dispose(made)
    return null
  }
  // Each layer must take the previous one's output: a plain chain.
  for (let i = 1; i <= end; i++) {
    const inbound = (layers[i]!.inboundNodes ?? [])[0]?.inboundLayers ?? []
    if (inbound.length !== 1 || inbound[0] !== layers[i - 1]) return fail()
  }
  let i = 0
  while (i <= end) {
    const layer = layers[i]!
    const kind = layer.getClassName()
    if (kind === 'InputLayer' || kind === 'Dropout') {
      i++
      continue
    }
    if (kind !== 'Conv2D' && kind !== 'DepthwiseConv2D') return fail()
    const c = layer.getConfig() as LayerConfig
    const dilation = pair(c.dilation_rate ?? c.dilationRate, 1)
    const format = (c.data_format ?? c.dataFormat ?? 'channels_last').replace('channelsLast', 'channels_last')
    const own = c.activation === 'relu' || c.activation === 'relu6' || c.activation === 'linear' ? c.activation : null
    if (
      dilation[0] !== 1 ||
      dilation[1] !== 1 ||
      format !== 'channels_last' ||
      !own ||
      (c.padding !== 'same' && c.padding !== 'valid')
    )
      return fail()
    const [kernel, convBias] = layer.getWeights() as [tf.Tensor4D, tf.Tensor1D | undefined]
    const depthwise = kind === 'DepthwiseConv2D'
    const outChannels = depthwise ? kernel.shape[2] * kernel.shape[3] : kernel.shape[3]
    let filter: tf.Tensor4D
    let bias = convBias ?? tf.zeros([outChannels])
    let activation: Activation = own
    let next = i + 1
    const bn =
      next <= end && own === 'linear' && layers[next]!.getClassName() === 'BatchNormalization' ? layers[next]! : null
    if (bn) {
      const b = bn.getConfig() as LayerConfig
      const axis = Array.isArray(b.axis) ? b.axis : [b.axis ?? -1]
      if (axis.length !== 1 || (axis[0] !== -1 && axis[0] !== 3)) return fail()
      const w = bn.getWeights()
      const gamma = b.scale === false ? null : w.shift()!
      const beta = b.center === false ? null : w.shift()!
      const [mean, variance] = w as [tf.Tensor1D, tf.Tensor1D]
      const folded = tf.tidy(() => {
        // y = γ·(conv + bias − mean)/√(var + ε) + β  =  conv·s + (bias − mean)·s + β,  s = γ/√(var + ε)
        let s = variance.add(b.epsilon ?? 1e-3).rsqrt()
        if (gamma) s = s.mul(gamma)
        const perFilter = depthwise ? s.reshape([1, 1, kernel.shape[2], kernel.shape[3]]) : s
        let shifted = bias.sub(mean).mul(s)
        if (beta) shifted = shifted.add(beta)
        return { filter: kernel.mul(perFilter) as tf.Tensor4D, bias: shifted as tf.Tensor1D }
      })
      if (!convBias) bias.dispose()
      filter = folded.filter
      bias = folded.bias
      next++
    } else {
      filter = kernel.clone()
      if (convBias) bias = convBias.clone()
    }
    made.push(filter, bias)
    if (activation === 'linear' && next <= end) {
      const act = activationOf(layers[next]!)
      if (act) {
        activation = act
        next++
      }
    }
    blocks.push({
      layer: layer.name,
      depthwise,
      filter,
      bias,
      strides: pair(c.strides, 1),
      pad: c.padding as 'same' | 'valid',
      activation,
    })
    i = next
  }
  if (!blocks.length) return fail()
  // Fused block index where each stage starts.
  const starts = blocks.flatMap((b, k) => (k > 0 && blocks[k - 1]!.depthwise && !b.depthwise ? [] : [k]))
  const run = (x: tf.Tensor4D, from: number, to: number) =>
    tf.tidy(() => {
      let y: tf.Tensor4D = x
      for (const b of blocks.slice(from, to)) {
        const args = {
          x: y,
          filter: b.filter,
          strides: b.strides,
          pad: b.pad,
          bias: b.bias,
          activation: b.activation,
        }
        y = b.depthwise ? tf.fused.depthwiseConv2d(args) : tf.fused.conv2d(args)
      }
      return y
    })
  const at = (s: number) => {
    if (!Number.isInteger(s) || s < 0 || s > starts.length)
      throw new RangeError(`stage ${s} is outside 0…${starts.length}`)
    return s === starts.length ? blocks.length : starts[s]!
  }
  const featureMap = (x: tf.Tensor4D) => run(x, 0, blocks.length)
  return {
    blocks: blocks.length,
    stages: starts.map((k) => ({ layer: blocks[k]!.layer })),
    mapUntil: (x, s) => run(x, 0, at(s)),
    mapFrom: (y, s) => run(y, at(s), blocks.length),
    features: (x) => tf.tidy(() => featureMap(x).mean([1, 2]) as tf.Tensor2D),
    featureMap,
    dispose: () => tf.dispose(made),
  }
}
