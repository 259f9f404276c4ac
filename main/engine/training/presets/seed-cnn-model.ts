import * as tf from '@tensorflow/tfjs'
import { ValidationError } from '../../errors'
import { RECIPE_OFF, type Recipe } from '../recipe'

/**
 * The classic seed CNN the product grew from:
 * Conv32-Pool-Conv64-Pool-Conv128-Pool-Flatten-Dense512-softmax, 3×3 kernels, ReLU. The recipe
 * may put dropout on either side of the dense layer (a rate of 0 adds no layer, so the model is
 * the classic one) and zero-pad the last `samePadding` convolutions ('same'; 0: all 'valid', the
 * classic), and put batch normalization after each pooling (`batchNorm`; the classic has none).
 * Initializers are seeded so a run is reproducible; dropout masks are not: a
 * fixed tfjs dropout seed would draw the same mask at every step, so they come from tfjs's own
 * unseeded stream.
 */
export function seedCnn(
  size: number,
  numClasses: number,
  seed: number,
  dropout: Recipe['dropout'] = RECIPE_OFF.dropout,
  samePadding = RECIPE_OFF.samePadding,
  batchNorm = RECIPE_OFF.batchNorm,
): tf.LayersModel {
  if (!Number.isInteger(size) || size < 24 || size > 224) {
    throw new ValidationError(`input size must be 24–224 pixels (got ${size})`)
  }
  if (!Number.isInteger(samePadding) || samePadding < 0 || samePadding > 3) {
    throw new ValidationError(`samePadding must be a whole number from 0 to 3 (got ${samePadding})`)
  }
  const init = (k: number) => tf.initializers.glorotUniform({ seed: seed + k })
  const conv = (filters: number, k: number) => ({
    filters,
    kernelSize: 3,
    activation: 'relu' as const,
    // The last `samePadding` of the three convolutions keep their map's side.
    padding: k > 3 - samePadding ? ('same' as const) : ('valid' as const),
    kernelInitializer: init(k),
  })
  const m = tf.sequential({ name: 'seed_cnn' })
  m.add(tf.layers.conv2d({ inputShape: [size, size, 3], ...conv(32, 1) }))
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }))
  if (batchNorm) m.add(tf.layers.batchNormalization())
  m.add(tf.layers.conv2d(conv(64, 2)))
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }))
  if (batchNorm) m.add(tf.layers.batchNormalization())
  m.add(tf.layers.conv2d(conv(128, 3)))
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }))
  if (batchNorm) m.add(tf.layers.batchNormalization())
  m.add(tf.layers.flatten())
  if (dropout.beforeDense > 0) m.add(tf.layers.dropout({ rate: dropout.beforeDense }))
  m.add(tf.layers.dense({ units: 512, activation: 'relu', kernelInitializer: init(4) }))
  if (dropout.afterDense > 0) m.add(tf.layers.dropout({ rate: dropout.afterDense }))
  m.add(tf.layers.dense({ units: numClasses, activation: 'softmax', kernelInitializer: init(5) }))
  return m
}
