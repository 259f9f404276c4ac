import * as tf from '@tensorflow/tfjs'
import { ValidationError } from '../errors'

import type { PresetDto } from '../../../preload/contract'
import { withDefaults } from './config'

/** Preset names as a tuple (z.enum and commander choices take it). */
export const PRESET_NAMES = ['seed-cnn', 'transfer'] as const
export type PresetName = (typeof PRESET_NAMES)[number]

const LABELS: Record<PresetName, { label: string; description: string; fields: PresetDto['fields'] }> = {
  'seed-cnn': {
    label: 'Seed CNN (from scratch)',
    description: 'Conv32-Pool-Conv64-Pool-Conv128-Pool-Flatten-Dense512-softmax, trained on pixels',
    fields: ['inputSize', 'augment'],
  },
  transfer: {
    label: 'Transfer (pretrained backbone)',
    description: 'a frozen pretrained backbone, features cached per image, a small head trained on them',
    fields: ['backbone'],
  },
}

/** The presets with their defaults, for the Train form. */
export function describePresets(): PresetDto[] {
  return PRESET_NAMES.map((name) => {
    const d = withDefaults({ preset: name })
    const fixed = name === 'transfer'
    return {
      name,
      ...LABELS[name],
      defaults: {
        inputSize: d.inputSize, epochs: d.epochs, batchSize: d.batchSize, learningRate: d.learningRate, patience: d.patience,
        seed: d.seed, backbone: d.backbone, fractions: d.fractions,
      },
      inputSize: fixed ? { min: d.inputSize, max: d.inputSize } : { min: 24, max: 224 },
    }
  })
}

export { scale, type Scaling } from './presets/scaling'

/**
 * The classic seed CNN the product grew from:
 * Conv32-Pool-Conv64-Pool-Conv128-Pool-Flatten-Dense512-softmax, 3×3 kernels, ReLU.
 * Initializers are seeded so a run is reproducible.
 */
export function seedCnn(size: number, numClasses: number, seed: number): tf.LayersModel {
  if (!Number.isInteger(size) || size < 24 || size > 224) throw new ValidationError(`input size must be 24–224 pixels (got ${size})`)
  const init = (k: number) => tf.initializers.glorotUniform({ seed: seed + k })
  const m = tf.sequential({ name: 'seed_cnn' })
  m.add(tf.layers.conv2d({ inputShape: [size, size, 3], filters: 32, kernelSize: 3, activation: 'relu', kernelInitializer: init(1) }))
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }))
  m.add(tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu', kernelInitializer: init(2) }))
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }))
  m.add(tf.layers.conv2d({ filters: 128, kernelSize: 3, activation: 'relu', kernelInitializer: init(3) }))
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }))
  m.add(tf.layers.flatten())
  m.add(tf.layers.dense({ units: 512, activation: 'relu', kernelInitializer: init(4) }))
  m.add(tf.layers.dense({ units: numClasses, activation: 'softmax', kernelInitializer: init(5) }))
  return m
}
