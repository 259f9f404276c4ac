import * as tf from '@tensorflow/tfjs'
import { ValidationError } from '../../errors'
import { pixelRun } from './pixels'
import { definePreset } from './types'

/**
 * The classic seed CNN the product grew from:
 * Conv32-Pool-Conv64-Pool-Conv128-Pool-Flatten-Dense512-softmax, 3×3 kernels, ReLU.
 * Initializers are seeded so a run is reproducible.
 */
export function seedCnn(size: number, numClasses: number, seed: number): tf.LayersModel {
  if (!Number.isInteger(size) || size < 24 || size > 224) {
    throw new ValidationError(`input size must be 24–224 pixels (got ${size})`)
  }
  const init = (k: number) => tf.initializers.glorotUniform({ seed: seed + k })
  const conv = (filters: number, k: number) => ({
    filters,
    kernelSize: 3,
    activation: 'relu' as const,
    kernelInitializer: init(k),
  })
  const m = tf.sequential({ name: 'seed_cnn' })
  m.add(tf.layers.conv2d({ inputShape: [size, size, 3], ...conv(32, 1) }))
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }))
  m.add(tf.layers.conv2d(conv(64, 2)))
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }))
  m.add(tf.layers.conv2d(conv(128, 3)))
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }))
  m.add(tf.layers.flatten())
  m.add(tf.layers.dense({ units: 512, activation: 'relu', kernelInitializer: init(4) }))
  m.add(tf.layers.dense({ units: numClasses, activation: 'softmax', kernelInitializer: init(5) }))
  return m
}

export const seedCnnPreset = definePreset({
  name: 'seed-cnn',
  label: 'Seed CNN (from scratch)',
  description: 'Conv32-Pool-Conv64-Pool-Conv128-Pool-Flatten-Dense512-softmax, trained on pixels',
  fields: ['inputSize', 'augment'],
  defaults: { inputSize: 64, epochs: 10, patience: 5, backbone: null },
  inputSize: { min: 24, max: 224 },
  prepare: async (ctx) => pixelRun(ctx, () => seedCnn(ctx.cfg.inputSize, ctx.numClasses, ctx.cfg.seed)),
})
