import { describe, expect, it } from 'vitest'
import type { PresetDto } from '../../preload/contract'
import { settingText } from '../../renderer/src/composables/compare'
import { formFor, trainRequest } from '../../renderer/src/composables/train-form'
import { recipeFormFromConfig } from '../../renderer/src/composables/train-recipe'
import { validateTrainForm } from '../../renderer/src/composables/train-validate'

const recipe = {
  dropout: { beforeDense: 0.25, afterDense: 0.5 },
  labelSmoothing: 0.1,
  schedule: 'cosine' as const,
  warmupEpochs: 1,
  weightDecay: 0.05,
  samePadding: 0,
  cropPad: 2,
  flip: false,
}
const seed: PresetDto = {
  name: 'seed-cnn',
  label: 'Seed CNN',
  description: '',
  fields: ['inputSize', 'augment', 'dropout'],
  inputSize: { min: 24, max: 224 },
  defaults: {
    inputSize: 64,
    epochs: 10,
    batchSize: 32,
    learningRate: 0.001,
    patience: 5,
    seed: 42,
    backbone: null,
    fractions: { train: 0.7, val: 0.15, test: 0.15 },
  },
  recipe,
}
const transfer: PresetDto = {
  ...seed,
  name: 'transfer',
  fields: ['backbone'],
  inputSize: { min: 224, max: 224 },
  defaults: { ...seed.defaults, inputSize: 224 },
  recipe: { ...recipe, dropout: { beforeDense: 0, afterDense: 0 }, cropPad: 0 },
}

describe('the Train form’s Recipe group', () => {
  it('starts from the preset’s recipe defaults; an engine without them means the recipe off', () => {
    expect(formFor(seed)).toMatchObject({
      dropoutBefore: 0.25,
      dropoutAfter: 0.5,
      labelSmoothing: 0.1,
      schedule: 'cosine',
      warmupEpochs: 1,
      weightDecay: 0.05,
      cropPad: 2,
      flip: false,
    })
    const { recipe: _, ...older } = seed
    expect(formFor(older)).toMatchObject({ dropoutBefore: 0, labelSmoothing: 0, schedule: 'constant', cropPad: 0 })
  })

  it('sends dropout and the augmentation options only where the preset has them', () => {
    const s = trainRequest({ ...formFor(seed), flip: true, cropPad: 4 }, seed)
    expect(s).toMatchObject({
      dropout: { beforeDense: 0.25, afterDense: 0.5 },
      cropPad: 4,
      flip: true,
      augment: false,
      labelSmoothing: 0.1,
      schedule: 'cosine',
      warmupEpochs: 1,
      weightDecay: 0.05,
    })
    const t = trainRequest({ ...formFor(transfer), flip: true, dropoutBefore: 0.3 }, transfer)
    expect(t).not.toHaveProperty('dropout')
    expect(t).not.toHaveProperty('cropPad')
    expect(t).not.toHaveProperty('flip')
    expect(t).toMatchObject({ labelSmoothing: 0.1, schedule: 'cosine', weightDecay: 0.05 })
  })

  it('shows a run’s recipe; a run stored before the recipe shows the defaults, one without augmentation no mirror', () => {
    expect(recipeFormFromConfig(seed, { schedule: 'onecycle', weightDecay: 0.2, augment: null })).toMatchObject({
      schedule: 'onecycle',
      weightDecay: 0.2,
      cropPad: 0,
      flip: false,
      dropoutBefore: 0.25,
    })
    expect(recipeFormFromConfig(seed, { schedule: 'step', labelSmoothing: 'much' })).toMatchObject({
      schedule: 'cosine',
      labelSmoothing: 0.1,
    })
  })

  it('names the field that is out of range, in the form’s words', () => {
    const problems = validateTrainForm(
      {
        ...formFor(seed),
        inputSize: 32,
        epochs: 3,
        dropoutBefore: 1,
        dropoutAfter: NaN,
        labelSmoothing: -0.1,
        warmupEpochs: 4,
        weightDecay: 2,
        cropPad: 9,
      },
      seed,
    )
    expect(problems).toEqual({
      dropoutBefore: 'A dropout rate must be from 0 to below 1, e.g. 0.1.',
      dropoutAfter: 'Enter a number (0 for none).',
      labelSmoothing: 'Label smoothing must be from 0 to below 1, e.g. 0.1.',
      warmupEpochs: 'Enter 0 to 3 epochs.',
      weightDecay: 'Enter 0 to 1, e.g. 0.05.',
      cropPad: 'Enter 0 to 8 pixels at this input size.',
    })
    expect(validateTrainForm(formFor(seed), seed)).toEqual({})
    // Fields the preset does not have are not checked.
    expect(validateTrainForm({ ...formFor(transfer), dropoutBefore: 5, cropPad: -1 }, transfer)).toEqual({})
  })
})

describe('the recipe in Runs / compare', () => {
  it('reads each option in words', () => {
    expect(settingText('dropout', { beforeDense: 0.25, afterDense: 0.5 })).toBe(
      '0.25 before the dense layer, 0.5 after',
    )
    expect(settingText('dropout', { beforeDense: 0, afterDense: 0 })).toBe('off')
    expect(settingText('labelSmoothing', 0.1)).toBe('0.1')
    expect(settingText('labelSmoothing', 0)).toBe('off')
    expect(settingText('schedule', 'cosine')).toBe('cosine')
    expect(settingText('warmupEpochs', 1)).toBe('1 epoch')
    expect(settingText('warmupEpochs', 0.5)).toBe('0.5 epochs')
    expect(settingText('weightDecay', 0.05)).toBe('0.05 (decoupled)')
    const aug = { flip: true, rotate: 0, crop: 0, brightness: 0, contrast: 0, cropPad: 2 }
    expect(settingText('augment', aug)).toBe('flip, crop padding 2 px')
  })
})
