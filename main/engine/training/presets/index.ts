import type { PresetDto } from '../../../../preload/contract'
import { backboneDto, backboneFolders, listBackboneEntries } from '../backbones'
import { withDefaults } from '../config'
import { CLASS_SCORES_WEIGHT } from '../transfer-recipe'
import { presets, type PresetRegistry } from './registry'
import type { PresetEnv } from './types'

export { PRESET_NAMES, PresetRegistry, presets, type PresetName } from './registry'
export { scale, type Scaling } from './scaling'
export { seedCnn } from './seed-cnn-model'
export {
  definePreset,
  type PresetContext,
  type PresetEnv,
  type PresetRun,
  type PresetSpec,
  type WorkerPlan,
} from './types'
export { pixelRun } from './pixels'

/**
 * The presets with their defaults, recipe included (and the backbones found, for those that take
 * one), for the Train form.
 */
export function describePresets(registry: PresetRegistry = presets, env: PresetEnv = {}): PresetDto[] {
  return registry.list.map((p) => {
    const d = withDefaults({ preset: p.name }, registry, env)
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
      recipe: {
        dropout: { ...d.dropout },
        labelSmoothing: d.labelSmoothing,
        schedule: d.schedule,
        warmupEpochs: d.warmupEpochs,
        weightDecay: d.weightDecay,
        samePadding: d.samePadding,
        batchNorm: d.batchNorm,
        cropPad: d.augment?.cropPad ?? 0,
        flip: d.augment?.flip ?? false,
      },
      ...(p.defaults.transfer
        ? {
            transfer: {
              featureAugment: { ...d.featureAugment },
              fineTune: { ...d.fineTune },
              classScores: CLASS_SCORES_WEIGHT,
              heads: d.heads,
            },
          }
        : {}),
      ...(p.fields.includes('backbone')
        ? { backbones: listBackboneEntries(backboneFolders(env.modelsDir)).map(backboneDto) }
        : {}),
    }
  })
}
