import fs from 'node:fs'
import path from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { BackboneError, MANIFEST, type BackboneManifest } from './backbone-manifest'

/**
 * The backbone's own classifier (MobileNet's 1000 ImageNet classes) as extra features: its class
 * probabilities, times a weight, appended to the pooled features the head is trained on. The
 * probabilities are sharp where the user's classes resemble ImageNet's (ants and bees are two of
 * them) and still a compact summary where they do not; a linear head on 245 images cannot learn
 * that from the pooled features alone. The weight scales them for the head's optimizer (Adam moves
 * every weight by about the learning rate, so a feature's scale sets how fast its weight counts);
 * the saved model computes the plain probabilities and carries the weight in its last layer.
 */
export interface Classifier {
  classes: number
  /** The layer of the original network it came from (the saved model's layer is named after it). */
  layer: string
  /** featureDim × classes, row by row. */
  kernel: Float32Array
  bias: Float32Array
}

/** A backbone folder's classifier file as backbone.json describes it; BackboneError naming the file when it does not fit. */
export function readClassifier(
  folder: string,
  c: NonNullable<BackboneManifest['classifier']>,
  featureDim: number,
): Classifier {
  const file = path.join(folder, c.file)
  const bytes = fs.readFileSync(file)
  const want = (featureDim * c.classes + c.classes) * 4
  if (bytes.length !== want)
    throw new BackboneError(
      `classifier file ${file} has ${bytes.length} bytes; ${MANIFEST} describes ${featureDim} features × ` +
        `${c.classes} classes plus a bias: ${want} bytes`,
    )
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length))
  return {
    classes: c.classes,
    layer: c.layer ?? 'classifier',
    kernel: all.subarray(0, featureDim * c.classes),
    bias: all.subarray(featureDim * c.classes),
  }
}

/** n rows of `dim` features with `weight` × their class probabilities appended: n × (dim + classes). */
export function withClassScores(
  features: Float32Array,
  dim: number,
  c: Classifier,
  weight: number,
  batch = 256,
): Float32Array {
  const n = features.length / dim
  const width = dim + c.classes
  const out = new Float32Array(n * width)
  const kernel = tf.tensor2d(c.kernel, [dim, c.classes])
  const bias = tf.tensor1d(c.bias)
  try {
    for (let s = 0; s < n; s += batch) {
      const m = Math.min(batch, n - s)
      const rows = features.subarray(s * dim, (s + m) * dim)
      const probs = tf.tidy(
        () =>
          tf
            .softmax(tf.tensor2d(rows, [m, dim]).matMul(kernel).add(bias))
            .mul(weight)
            .dataSync() as Float32Array,
      )
      for (let i = 0; i < m; i++) {
        out.set(rows.subarray(i * dim, (i + 1) * dim), (s + i) * width)
        out.set(probs.subarray(i * c.classes, (i + 1) * c.classes), (s + i) * width + dim)
      }
    }
  } finally {
    tf.dispose([kernel, bias])
  }
  return out
}

/**
 * Image → classes for saving and export: the extractor's pooled features and the classifier's
 * probabilities side by side (a Dense softmax layer and a Concatenate), then the head's last layer
 * with the rows that read the probabilities multiplied by `weight` (so it computes what the head
 * computed on the training features). Standard layers only: every export format takes it.
 */
export function scoredModel(
  extractor: tf.LayersModel,
  head: tf.LayersModel,
  c: Classifier,
  weight: number,
): tf.LayersModel {
  const pooled = extractor.outputs[0]!
  const dim = pooled.shape[1] as number
  const scores = tf.layers.dense({ units: c.classes, activation: 'softmax', name: `${c.layer}_scores` })
  const both = tf.layers
    .concatenate({ name: 'features_and_class_scores' })
    .apply([pooled, scores.apply(pooled) as tf.SymbolicTensor]) as tf.SymbolicTensor
  const last = head.layers.at(-1)!
  if (last.getClassName() !== 'Dense') throw new Error(`the head ends in ${last.getClassName()}, not a Dense layer`)
  const cfg = last.getConfig() as { units: number; activation: string }
  const [kernel, bias] = last.getWeights() as [tf.Tensor2D, tf.Tensor1D | undefined]
  const out = tf.layers.dense({
    units: cfg.units,
    activation: cfg.activation as 'softmax',
    useBias: !!bias,
    name: last.name,
  })
  const model = tf.model({ inputs: extractor.inputs, outputs: out.apply(both) as tf.SymbolicTensor })
  const made = tf.tidy(() => {
    const column = tf.concat([tf.ones([dim, 1]), tf.fill([c.classes, 1], weight)])
    return [tf.tensor2d(c.kernel, [dim, c.classes]), tf.tensor1d(c.bias), kernel.mul(column) as tf.Tensor2D]
  })
  scores.setWeights([made[0]!, made[1]!])
  out.setWeights(bias ? [made[2]!, bias] : [made[2]!])
  tf.dispose(made)
  return model
}

/** Frees the layers `model` has beyond those of `keep` (what scoredModel added). */
export function disposeAdded(model: tf.LayersModel, ...keep: tf.LayersModel[]): void {
  const kept = new Set(keep.flatMap((m) => m.layers))
  for (const l of model.layers) if (!kept.has(l)) l.dispose()
}
