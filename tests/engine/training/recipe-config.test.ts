import { describe, expect, it } from 'vitest'
import { trainRequest } from '../../../main/engine/api/requests'
import { parseDropout, recipeFrom } from '../../../main/cli/commands/train-recipe'
import { withDefaults } from '../../../main/engine/training/config'
import { describePresets, presets } from '../../../main/engine/training/presets'
import { SEED_CNN_BATCH, SEED_CNN_RECIPE } from '../../../main/engine/training/presets/seed-cnn'
import { RECIPE_OFF, storedConfig } from '../../../main/engine/training/recipe'

// The recipe's options in a run's config: every one recorded (defaults filled in), bad values
// refused with a message naming the field, and the same fields from the request, the CLI and the
// presets' own defaults.
const refused = (c: Parameters<typeof withDefaults>[0], field: RegExp) => expect(() => withDefaults(c)).toThrow(field)

describe('the recipe in the config', () => {
  it('records every option: the seed CNN’s measured recipe by default, the transfer preset’s off', () => {
    const seed = withDefaults({})
    expect(seed).toMatchObject({ ...RECIPE_OFF, ...SEED_CNN_RECIPE, learningRate: 0.003, batchSize: SEED_CNN_BATCH })
    expect(seed).toMatchObject({ schedule: 'onecycle', weightDecay: 0.05, dropout: { beforeDense: 0, afterDense: 0 } })
    expect(seed.augment).toBeNull()
    const transfer = withDefaults({ preset: 'transfer' })
    expect(transfer).toMatchObject(RECIPE_OFF)
    expect(transfer.augment).toBeNull()
    // Each option can be turned off by name, whatever the preset's default.
    const off = withDefaults({ ...RECIPE_OFF, augment: null })
    expect(off).toMatchObject(RECIPE_OFF)
    expect(off.augment).toBeNull()
    const asked = withDefaults({
      epochs: 4,
      dropout: { beforeDense: 0.25, afterDense: 0.5 },
      labelSmoothing: 0.1,
      schedule: 'cosine',
      warmupEpochs: 0.5,
      weightDecay: 0.05,
      augment: { flip: false, rotate: 0, crop: 0, brightness: 0, contrast: 0, cropPad: 4 },
    })
    expect(asked).toMatchObject({
      dropout: { beforeDense: 0.25, afterDense: 0.5 },
      labelSmoothing: 0.1,
      schedule: 'cosine',
      warmupEpochs: 0.5,
      weightDecay: 0.05,
      augment: { flip: false, cropPad: 4 },
    })
    // The classic augmentation records its crop padding too (0), so every run lists every option.
    const classic = withDefaults({ augment: { flip: true, rotate: 10, crop: 0.1, brightness: 0.1, contrast: 0.1 } })
    expect(classic.augment).toEqual({ flip: true, rotate: 10, crop: 0.1, brightness: 0.1, contrast: 0.1, cropPad: 0 })
  })

  it('refuses bad values with a message naming the field', () => {
    refused({ dropout: { beforeDense: 1, afterDense: 0 } }, /dropout\.beforeDense must be a number from 0 to below 1/)
    refused({ dropout: { beforeDense: 0, afterDense: -0.1 } }, /dropout\.afterDense/)
    refused({ labelSmoothing: 1 }, /labelSmoothing must be a number from 0 to below 1 \(got 1\)/)
    refused({ labelSmoothing: NaN }, /labelSmoothing .*got NaN/)
    refused({ schedule: 'linear' as 'cosine' }, /schedule must be constant, cosine, onecycle \(got "linear"\)/)
    refused({ epochs: 3, warmupEpochs: 4 }, /warmupEpochs must be a number from 0 to 3 \(got 4\)/)
    refused({ weightDecay: -0.01 }, /weightDecay must be a number from 0 to 1/)
    const aug = { flip: false, rotate: 0, crop: 0, brightness: 0, contrast: 0 }
    refused({ inputSize: 32, augment: { ...aug, cropPad: 9 } }, /augment\.cropPad .* 0 to 8 at input 32 px \(got 9\)/)
    refused({ augment: { ...aug, cropPad: 1.5 } }, /augment\.cropPad must be a whole number/)
    refused({ augment: { ...aug, rotate: -1 } }, /augment\.rotate/)
    // Options a preset does not have are refused, not silently ignored.
    refused({ preset: 'transfer', dropout: { beforeDense: 0.2, afterDense: 0 } }, /dropout: the transfer preset/)
    refused({ preset: 'transfer', augment: { ...aug, flip: true } }, /augment: the transfer preset/)
    // Zero rates are "no dropout", which every preset has.
    expect(() => withDefaults({ preset: 'transfer', dropout: { beforeDense: 0, afterDense: 0 } })).not.toThrow()
  })

  it('a config stored before the recipe reads as the recipe off (a resume trains on as it started)', () => {
    const old = { preset: 'seed-cnn', epochs: 3, learningRate: 0.01 }
    expect(storedConfig(old)).toEqual({ ...old, ...RECIPE_OFF })
    const newer = { epochs: 3, labelSmoothing: 0.2, dropout: { beforeDense: 0.1, afterDense: 0 } }
    expect(storedConfig(newer)).toMatchObject({ labelSmoothing: 0.2, schedule: 'constant', weightDecay: 0 })
  })

  it('the Train form gets each preset’s recipe defaults; only the seed CNN has dropout', () => {
    const [seed, transfer] = describePresets(presets, { modelsDir: '/nonexistent' })
    expect(seed!.fields).toContain('dropout')
    expect(transfer!.fields).not.toContain('dropout')
    expect(seed!.recipe).toEqual({
      dropout: { beforeDense: 0, afterDense: 0 },
      labelSmoothing: 0,
      schedule: SEED_CNN_RECIPE.schedule,
      warmupEpochs: 0,
      weightDecay: SEED_CNN_RECIPE.weightDecay,
      // At the preset's 64 px the classic layers already leave a 6×6 grid.
      samePadding: 0,
      batchNorm: false,
      cropPad: 0,
      flip: false,
    })
    expect(seed!.defaults).toMatchObject({ learningRate: 0.003, batchSize: SEED_CNN_BATCH })
    expect(transfer!.recipe).toEqual({
      dropout: { beforeDense: 0, afterDense: 0 },
      labelSmoothing: 0,
      schedule: 'constant',
      warmupEpochs: 0,
      weightDecay: 0,
      samePadding: 0,
      batchNorm: false,
      cropPad: 0,
      flip: false,
    })
  })
})

describe('the recipe from a request and from the CLI', () => {
  it('the start request takes the recipe fields (ranges are the config’s to check)', () => {
    const req = {
      cropPad: 2,
      flip: false,
      dropout: { beforeDense: 0.2, afterDense: 0.3 },
      labelSmoothing: 0.1,
      schedule: 'onecycle',
      warmupEpochs: 1,
      weightDecay: 0.01,
    }
    expect(trainRequest.parse(req)).toEqual(req)
    expect(trainRequest.parse({ batchNorm: true })).toEqual({ batchNorm: true })
    expect(() => trainRequest.parse({ batchNorm: 'yes' })).toThrow()
    expect(() => trainRequest.parse({ schedule: 'step' })).toThrow()
    expect(() => trainRequest.parse({ dropout: { before: 0.2 } })).toThrow()
    expect(() => trainRequest.parse({ cropPad: 1.5 })).toThrow()
  })

  it('--dropout takes one rate (both sides) or two; the flags become config fields', () => {
    expect(parseDropout('0.3')).toEqual({ beforeDense: 0.3, afterDense: 0.3 })
    expect(parseDropout('0.25,0.5')).toEqual({ beforeDense: 0.25, afterDense: 0.5 })
    expect(() => parseDropout('0.1,0.2,0.3')).toThrow(/--dropout must be a rate or two rates/)
    expect(() => parseDropout('half')).toThrow(/--dropout/)
    expect(recipeFrom({})).toEqual({})
    expect(
      recipeFrom({
        cropPad: 2,
        flip: true,
        dropout: '0.2',
        labelSmoothing: 0.1,
        schedule: 'cosine',
        warmupEpochs: 1,
        weightDecay: 0.05,
      }),
    ).toEqual({
      augment: { flip: true, rotate: 0, crop: 0, brightness: 0, contrast: 0, cropPad: 2 },
      dropout: { beforeDense: 0.2, afterDense: 0.2 },
      labelSmoothing: 0.1,
      schedule: 'cosine',
      warmupEpochs: 1,
      weightDecay: 0.05,
    })
    // --augment with --no-flip: the classic set without the mirror.
    expect(recipeFrom({ augment: true, flip: false }).augment).toMatchObject({ flip: false, rotate: 10 })
    // A flag given alone changes only its own field of the preset's augmentation (recipe-augment.test:
    // a preset with crop padding keeps it under --no-flip); the seed CNN has none by default.
    expect(recipeFrom({ flip: false })).toEqual({ augment: null })
    expect(withDefaults(recipeFrom({ cropPad: 2 }, 'seed-cnn')).augment).toMatchObject({ flip: false, cropPad: 2 })
    // A preset without augmentation has none to keep: the flag stands alone (and its checks refuse it).
    expect(recipeFrom({ flip: true }, 'transfer').augment).toMatchObject({ flip: true, cropPad: 0, rotate: 0 })
    expect(() => withDefaults({ preset: 'transfer', ...recipeFrom({ flip: true }, 'transfer') })).toThrow(
      /augment: the transfer preset/,
    )
  })
})
