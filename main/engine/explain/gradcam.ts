import * as tf from '@tensorflow/tfjs'
import { StudioError } from '../errors'
import { fuseChain } from '../training/fused-backbone'

/** A class activation map: where the model looked for one class, 0–1 over the input. */
export interface ClassMap {
  /** height × width, row-major, normalised to 0–1 (all 0 when nothing contributes). */
  map: Float32Array
  width: number
  height: number
  classIndex: number
  /** The model's class probabilities for the image. */
  probs: Float32Array
  /** The layer whose activations the map weighs (the last convolutional feature map). */
  layer: string
}

/**
 * Grad-CAM (Selvaraju et al. 2017): the last convolutional feature map A (h × w × C) of the model,
 * each channel weighted by the spatial mean of ∂(class score)/∂A, summed, ReLU, upsampled to the
 * input. The class score is the pre-softmax logit when the model ends in a softmax dense layer (the
 * probability saturates). Works for chain-shaped layers models: the seed CNN and backbone + head
 * (MobileNet v1 is a chain). Gradients are needed only from A on, so A may come from anything that
 * computes it (`camModel` fuses the convolutions before it).
 *
 * `x` is one preprocessed image [1, H, W, 3]. `classIndex` defaults to the predicted class.
 */
export function gradCam(model: tf.LayersModel, x: tf.Tensor4D, classIndex?: number): ClassMap {
  const layers = chain(model)
  return camOf(layers, lastFeatureMap(layers), x, classIndex)
}

/** A model prepared for explaining image after image. */
export interface CamModel {
  model: tf.LayersModel
  /** How the feature map is computed, e.g. "27 fused convolutions" or "layers". */
  forward: string
  cam(x: tf.Tensor4D, classIndex?: number): ClassMap
  /** Disposes the fused weights and the model. */
  dispose(): void
}

/**
 * `model` ready for Grad-CAM: where the layers up to the feature map are a chain of convolutions,
 * batch norms and ReLUs (MobileNet), they run as fused convolutions (tf.fused, batch norm folded
 * in; training/fused-backbone.ts): one kernel per block instead of three, ≈ 3.5× faster for that
 * part on wasm (MobileNet-0.75 at 224 px, bench/RESULTS.md "Explain"). Same map to float rounding.
 */
export function camModel(model: tf.LayersModel): CamModel {
  const layers = chain(model)
  const at = lastFeatureMap(layers)
  const fused = model.layers.includes(layers[at]!) ? fuseChain(model, layers[at]!) : null
  const featureMap = fused ? (x: tf.Tensor4D) => fused.featureMap(x) : undefined
  return {
    model,
    forward: fused ? `${fused.blocks} fused convolutions` : 'layers',
    cam: (x, classIndex) => camOf(layers, at, x, classIndex, featureMap),
    dispose: () => {
      fused?.dispose()
      model.dispose()
    },
  }
}

function camOf(
  layers: tf.layers.Layer[],
  at: number,
  x: tf.Tensor4D,
  classIndex: number | undefined,
  featureMap?: (x: tf.Tensor4D) => tf.Tensor,
): ClassMap {
  const [, height, width] = x.shape
  return tf.tidy(() => {
    let a: tf.Tensor = x
    if (featureMap) a = featureMap(x)
    else for (let i = 0; i <= at; i++) a = layers[i]!.apply(a) as tf.Tensor
    const logits = (act: tf.Tensor) => {
      // Each layer reads the one before it, or the layers it names where those have run (a branch
      // that joins again: the transfer preset's class scores beside its pooled features).
      const out = new Map<tf.layers.Layer, tf.Tensor>([[layers[at]!, act]])
      let h = act
      for (let i = at + 1; i < layers.length; i++) {
        const from = layers[i]!.inboundNodes[0]?.inboundLayers ?? []
        const ins = from.map((l) => out.get(l))
        const input = from.length > 1 ? (ins as tf.Tensor[]) : (ins[0] ?? h)
        h = (i === layers.length - 1 ? preActivation(layers[i]!, h) : layers[i]!.apply(input)) as tf.Tensor
        out.set(layers[i]!, h)
      }
      return h
    }
    const probs = Float32Array.from(tf.softmax(logits(a)).dataSync())
    const c = classIndex ?? argmaxOf(probs)
    if (c < 0 || c >= probs.length)
      throw new StudioError(`class index ${c} is out of range (the model has ${probs.length} classes)`)
    const grads = tf.grad((act: tf.Tensor) => logits(act).slice([0, c], [1, 1]).sum())(a)
    const weights = grads.mean([1, 2], true)
    const cam = tf.relu(a.mul(weights).sum(-1, true)) as tf.Tensor4D
    const map = Float32Array.from(tf.image.resizeBilinear(cam, [height, width], false, true).dataSync())
    // Normalised here rather than by two more kernels and a second read-back.
    let max = 0
    for (let i = 0; i < map.length; i++) if (map[i]! > max) max = map[i]!
    if (max > 0) for (let i = 0; i < map.length; i++) map[i] = map[i]! / max
    return { map, width, height, classIndex: c, probs, layer: layers[at]!.name }
  })
}

/** The model's layers in order, for models whose every layer feeds only the next (or joins a branch: Concatenate). */
function chain(model: tf.LayersModel): tf.layers.Layer[] {
  const layers = model.layers.filter((l) => l.getClassName() !== 'InputLayer')
  for (const l of layers) {
    const joins = l.getClassName() === 'Concatenate'
    if (l.inboundNodes.length > 1 || ((l.inboundNodes[0]?.inboundLayers.length ?? 0) > 1 && !joins)) {
      throw new StudioError(`explanations need a chain of layers; layer ${l.name} has more than one input`)
    }
  }
  // A nested model (backbone inside backbone + head) is unrolled into its own layers.
  return layers.flatMap((l) => (l instanceof tf.LayersModel ? chain(l) : [l]))
}

/**
 * Index of the last convolution's feature map (or the activation right after it, as MobileNet's
 * conv_pw_13_relu): pooling after it only coarsens the map, and a batch normalization after that
 * pooling (the seed CNN's batchNorm) only rescales the coarser one.
 */
function lastFeatureMap(layers: tf.layers.Layer[]): number {
  for (let i = layers.length - 1; i >= 0; i--) {
    const shape = layers[i]!.outputShape as number[]
    if (shape.length !== 4 || (shape[1] ?? 0) * (shape[2] ?? 0) <= 1) continue
    if (/Pooling|Dropout|Flatten|Reshape|BatchNormalization/.test(layers[i]!.getClassName())) continue
    return i
  }
  throw new StudioError('the model has no convolutional feature map to explain')
}

/** The last layer without its softmax: a dense layer's logits. Other layers as they are. */
function preActivation(layer: tf.layers.Layer, h: tf.Tensor): tf.Tensor {
  const config = layer.getConfig()
  if (layer.getClassName() === 'Dense' && config.activation === 'softmax') {
    const [kernel, bias] = layer.getWeights()
    const z = tf.matMul(h as tf.Tensor2D, kernel as tf.Tensor2D)
    return bias ? z.add(bias) : z
  }
  const out = layer.apply(h) as tf.Tensor
  // A separate softmax activation layer: undo it with a log (same argmax, unsaturated gradient).
  return layer.getClassName() === 'Activation' && config.activation === 'softmax' ? tf.log(out.add(1e-7)) : out
}

function argmaxOf(p: ArrayLike<number>): number {
  let best = 0
  for (let j = 1; j < p.length; j++) if (p[j]! > p[best]!) best = j
  return best
}

/** The map's hottest position, as (x, y) in input pixels. */
export function peak(cam: ClassMap): { x: number; y: number } {
  let best = 0
  for (let i = 1; i < cam.map.length; i++) if (cam.map[i]! > cam.map[best]!) best = i
  return { x: best % cam.width, y: Math.floor(best / cam.width) }
}
