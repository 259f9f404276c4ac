import * as tf from '@tensorflow/tfjs'

/**
 * The one loss of every training step: categorical cross-entropy as tfjs-layers computes it
 * (normalise the predictions, clip to [1e-7, 1 − 1e-7], −Σ y log p), per example, optionally
 * weighted by the true class's weight. The single-thread step (model.compile, which averages the
 * per-example values) and the data-parallel shards (parallel.ts, which sum them) both use it.
 * With label smoothing ε the targets are y' = (1 − ε)·y + ε/k over k classes (the class weight
 * is still the true class's); validation loss stays the plain cross-entropy (evaluation/).
 */
export function exampleLosses(
  yTrue: tf.Tensor,
  yPred: tf.Tensor,
  classWeights: tf.Tensor | null,
  labelSmoothing = 0,
): tf.Tensor1D {
  return tf.tidy(() => {
    const p = yPred.div(yPred.sum(-1, true)).clipByValue(1e-7, 1 - 1e-7)
    const k = yTrue.shape.at(-1)!
    const target = labelSmoothing ? yTrue.mul(1 - labelSmoothing).add(labelSmoothing / k) : yTrue
    const ce = target.mul(p.log()).sum(-1).neg()
    return (classWeights ? ce.mul(yTrue.mul(classWeights).sum(-1)) : ce) as tf.Tensor1D
  })
}

/** `exampleLosses` as a loss for model.compile. */
export function compiledLoss(
  classWeights: tf.Tensor | null,
  labelSmoothing = 0,
): (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor {
  return (yTrue, yPred) => exampleLosses(yTrue, yPred, classWeights, labelSmoothing)
}

/** Class weights that make every class count as much in the loss: n / (k · count), 0 for an absent class. */
export function inverseFrequency(labels: Int32Array, k: number): Float32Array {
  const counts = new Array<number>(k).fill(0)
  for (const l of labels) counts[l]!++
  return Float32Array.from(counts, (c) => (c ? labels.length / (k * c) : 0))
}
