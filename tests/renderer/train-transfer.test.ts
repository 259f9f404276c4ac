import { describe, expect, it } from 'vitest'
import type { PresetDto } from '../../preload/contract'
import { settingText } from '../../renderer/src/composables/compare'
import { formFor, formFromConfig, trainRequest } from '../../renderer/src/composables/train-form'
import { transferProblems } from '../../renderer/src/composables/train-transfer'

const defaults = {
  inputSize: 288,
  epochs: 100,
  batchSize: 32,
  learningRate: 0.001,
  patience: 10,
  seed: 42,
  backbone: 'mobilenet_v1_0.75_224',
  fractions: { train: 0.7, val: 0.15, test: 0.15 },
}
const transfer: PresetDto = {
  name: 'transfer',
  label: 'Transfer',
  description: '',
  fields: ['backbone'],
  inputSize: { min: 288, max: 288 },
  defaults,
  transfer: {
    featureAugment: { copies: 4, flip: true, minCrop: 0.7, color: 0.1 },
    fineTune: { blocks: 0, epochs: 5, learningRate: 0.0001 },
  },
}
const seed: PresetDto = { ...transfer, name: 'seed-cnn', fields: ['inputSize'], transfer: undefined }

describe('the Train form’s transfer recipe', () => {
  it('starts from the preset’s defaults and sends both parts whole, the rest of each the preset’s', () => {
    const form = formFor(transfer)
    expect([form.augCopies, form.fineTuneBlocks]).toEqual([4, 0])
    form.augCopies = 2
    form.fineTuneBlocks = 1
    expect(trainRequest(form, transfer)).toMatchObject({
      featureAugment: { copies: 2, flip: true, minCrop: 0.7, color: 0.1 },
      fineTune: { blocks: 1, epochs: 5, learningRate: 0.0001 },
    })
  })

  it('is absent for a preset without one, and shows a stored run’s values', () => {
    const req = trainRequest(formFor(seed), seed)
    expect('featureAugment' in req || 'fineTune' in req).toBe(false)
    const shown = formFromConfig(transfer, { featureAugment: { copies: 8 }, fineTune: { blocks: 2 } })
    expect([shown.augCopies, shown.fineTuneBlocks]).toEqual([8, 2])
    // A run from before the recipe keeps the preset's values on the form.
    const old = formFromConfig(transfer, {})
    expect([old.augCopies, old.fineTuneBlocks]).toEqual([4, 0])
  })

  it('names a value out of range', () => {
    const form = { ...formFor(transfer), augCopies: 17, fineTuneBlocks: 1.5 }
    expect(transferProblems(form, transfer)).toEqual({
      augCopies: 'Enter a whole number from 0 to 16.',
      fineTuneBlocks: 'Enter a whole number from 0 to 8.',
    })
    expect(transferProblems(formFor(transfer), transfer)).toEqual({})
  })
})

describe('Runs/compare reads the transfer recipe in words', () => {
  it('copies and fine-tuning, or off', () => {
    expect(settingText('featureAugment', { copies: 4, flip: true, minCrop: 0.7, color: 0.1 })).toBe(
      '4 cached copies: crop ≥ 0.7, mirror, colour ±0.1',
    )
    expect(settingText('featureAugment', { copies: 0, flip: true, minCrop: 0.7, color: 0.1 })).toBe('off')
    expect(settingText('fineTune', { blocks: 2, epochs: 5, learningRate: 0.0001 })).toBe(
      'last 2 blocks, 5 epochs at 0.0001',
    )
    expect(settingText('fineTune', { blocks: 0, epochs: 5, learningRate: 0.0001 })).toBe('off (backbone frozen)')
  })
})
