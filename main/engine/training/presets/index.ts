import type { PresetDto } from '../../../../preload/contract'
import { withDefaults } from '../config'
import { presets, type PresetRegistry } from './registry'

export { PRESET_NAMES, PresetRegistry, presets, type PresetName } from './registry'
export { scale, type Scaling } from './scaling'
export { seedCnn } from './seed-cnn'
export { definePreset, type PresetContext, type PresetRun, type PresetSpec, type WorkerPlan } from './types'
export { pixelRun } from './pixels'

/** The presets with their defaults, for the Train form. */
export function describePresets(registry: PresetRegistry = presets): PresetDto[] {
  return registry.list.map((p) => {
    const d = withDefaults({ preset: p.name }, registry)
    // A preset without the input-size field takes the size its default (or its backbone) fixes.
    const fixed = !p.fields.includes('inputSize')
    return {
      name: p.name,
      label: p.label,
      description: p.description,
      fields: [...p.fields],
      defaults: {
        inputSize: d.inputSize,
        epochs: d.epochs,
        batchSize: d.batchSize,
        learningRate: d.learningRate,
        patience: d.patience,
        seed: d.seed,
        backbone: d.backbone,
        fractions: d.fractions,
      },
      inputSize: fixed ? { min: d.inputSize, max: d.inputSize } : { ...p.inputSize },
    }
  })
}
