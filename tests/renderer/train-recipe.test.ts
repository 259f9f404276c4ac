import { describe, expect, it } from 'vitest'
import type { PresetDto } from '../../preload/contract'
import type { RunDto } from '../../preload/contract'
import { configRows, settingText } from '../../renderer/src/composables/compare'
import { formFor, formFromConfig, trainRequest } from '../../renderer/src/composables/train-form'
import {
  autoPadding,
  autoPaddingLabel,
  paddingGridText,
  recipeFormFromConfig,
} from '../../renderer/src/composables/train-recipe'
import { validateTrainForm } from '../../renderer/src/composables/train-validate'

const recipe = {
  dropout: { beforeDense: 0.25, afterDense: 0.5 },
  labelSmoothing: 0.1,
  schedule: 'cosine' as const,
  warmupEpochs: 1,
  weightDecay: 0.05,
  samePadding: 0,
  batchNorm: false,
  cropPad: 2,
  flip: false,
}
const seed: PresetDto = {
  name: 'seed-cnn',
  label: 'Seed CNN',
  description: '',
  fields: ['inputSize', 'augment', 'dropout', 'padding', 'batchNorm'],
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

describe('the seed CNN’s zero-padded convolutions', () => {
  // The port is checked against the engine at every size in tests/engine/training/seed-cnn-padding-page.test.ts.
  it('picks as the engine documents (Recipe.samePadding): 3 at 24 px, 2 at 28, 1 at 30–37, 0 from 38', () => {
    expect([24, 28, 30, 37, 38, 64].map(autoPadding)).toEqual([3, 2, 1, 1, 0, 0])
  })

  it('is Auto by default, sending nothing; an explicit choice is sent, 0 included', () => {
    expect(formFor(seed).samePadding).toBe('auto')
    expect(trainRequest({ ...formFor(seed), inputSize: 28 }, seed)).not.toHaveProperty('samePadding')
    for (const n of [0, 1, 2, 3] as const)
      expect(trainRequest({ ...formFor(seed), samePadding: n }, seed)).toMatchObject({ samePadding: n })
    // A preset without the field never sends it.
    expect(trainRequest({ ...formFor(transfer), samePadding: 2 }, transfer)).not.toHaveProperty('samePadding')
  })

  it('shows a stored run’s value as an explicit choice; a config without a number trained with none', () => {
    expect(formFromConfig(seed, { samePadding: 2, inputSize: 28 }).samePadding).toBe(2)
    expect(formFromConfig(seed, { samePadding: 0 }).samePadding).toBe(0)
    expect(formFromConfig(seed, { inputSize: 28 }).samePadding).toBe(0)
    expect(formFromConfig(seed, { samePadding: '2' }).samePadding).toBe(0)
    expect(formFromConfig(seed, { samePadding: 7 }).samePadding).toBe(0)
    // Train again sends it back as stored.
    expect(trainRequest(formFromConfig(seed, { samePadding: 1, inputSize: 32 }), seed)).toMatchObject({
      samePadding: 1,
      inputSize: 32,
    })
  })

  it('names Auto’s pick and the grid the choice leaves at the form’s input size', () => {
    expect(autoPaddingLabel(28)).toBe('Auto — by input size (2 now)')
    expect(autoPaddingLabel(64)).toBe('Auto — by input size (0 now)')
    expect(autoPaddingLabel(NaN)).toBe('Auto — by input size')
    expect(paddingGridText('auto', 28)).toBe('3×3 grid into the dense layer at 28 px')
    expect(paddingGridText(0, 28)).toBe('1×1 grid into the dense layer at 28 px')
    expect(paddingGridText(3, 28)).toBe('3×3 grid into the dense layer at 28 px')
    expect(paddingGridText('auto', 64)).toBe('6×6 grid into the dense layer at 64 px')
    expect(paddingGridText(2, 64)).toBe('7×7 grid into the dense layer at 64 px')
    expect(paddingGridText(1, '' as unknown as number)).toBe('')
  })

  it('reads in Runs / compare as none or last N; older seed CNN runs none, backbone runs —', () => {
    expect(settingText('samePadding', 0)).toBe('none')
    expect(settingText('samePadding', 2)).toBe('last 2')
    expect(settingText('samePadding', 0, { backbone: 'mobilenet_v2' })).toBe('—')
    const run = (id: number, config: Record<string, unknown>) => ({ id, config }) as unknown as RunDto
    const row = configRows([
      run(1, { preset: 'seed-cnn', backbone: null, samePadding: 2 }),
      run(2, { preset: 'seed-cnn', backbone: null }),
      run(3, { preset: 'transfer', backbone: 'mobilenet_v2', samePadding: 0 }),
    ]).find((r) => r.key === 'samePadding')
    expect(row).toMatchObject({ label: 'Zero-padded convolutions', values: ['last 2', 'none', '—'], differs: true })
  })
})

describe('the seed CNN’s batch normalization', () => {
  it('starts from the preset’s default; an engine that sends none means off', () => {
    expect(formFor(seed).batchNorm).toBe(false)
    expect(formFor({ ...seed, recipe: { ...recipe, batchNorm: true } }).batchNorm).toBe(true)
    const { batchNorm: _, ...olderRecipe } = recipe
    expect(formFor({ ...seed, recipe: olderRecipe as typeof recipe }).batchNorm).toBe(false)
  })

  it('is sent as ticked where the preset has the field, never where it has not', () => {
    expect(trainRequest({ ...formFor(seed), batchNorm: true }, seed)).toMatchObject({ batchNorm: true })
    expect(trainRequest(formFor(seed), seed)).toMatchObject({ batchNorm: false })
    expect(trainRequest({ ...formFor(transfer), batchNorm: true }, transfer)).not.toHaveProperty('batchNorm')
  })

  it('comes back from a stored run (Train again); a config stored before it or with an odd value is off', () => {
    expect(formFromConfig(seed, { batchNorm: true }).batchNorm).toBe(true)
    expect(trainRequest(formFromConfig(seed, { batchNorm: true, inputSize: 28 }), seed)).toMatchObject({
      batchNorm: true,
      inputSize: 28,
    })
    const onByDefault = { ...seed, recipe: { ...recipe, batchNorm: true } }
    expect(formFromConfig(onByDefault, { batchNorm: false }).batchNorm).toBe(false)
    // Stored before the field existed: trained without, whatever the preset's default is now.
    expect(formFromConfig(onByDefault, { inputSize: 28 }).batchNorm).toBe(false)
    expect(formFromConfig(seed, { batchNorm: 'yes' }).batchNorm).toBe(false)
  })

  it('reads in Runs / compare as on or off; older seed CNN runs off, backbone runs —', () => {
    expect(settingText('batchNorm', true)).toBe('on')
    expect(settingText('batchNorm', false)).toBe('off')
    expect(settingText('batchNorm', false, { backbone: 'mobilenet_v2' })).toBe('—')
    const run = (id: number, config: Record<string, unknown>) => ({ id, config }) as unknown as RunDto
    const rows = configRows([
      run(1, { preset: 'seed-cnn', backbone: null, batchNorm: true }),
      run(2, { preset: 'seed-cnn', backbone: null }),
      run(3, { preset: 'transfer', backbone: 'mobilenet_v2', batchNorm: false }),
    ])
    expect(rows.find((r) => r.key === 'batchNorm')).toMatchObject({
      label: 'Batch normalization',
      values: ['on', 'off', '—'],
      differs: true,
    })
    // Two seed CNN runs that differ only in it: the row is marked, the rest are not.
    const pair = configRows([run(1, { preset: 'seed-cnn', batchNorm: true }), run(2, { preset: 'seed-cnn' })])
    expect(pair.filter((r) => r.differs).map((r) => r.label)).toEqual(['Batch normalization'])
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
