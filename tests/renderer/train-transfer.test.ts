import { describe, expect, it } from 'vitest'
import type { BackboneDto, PresetDto, RunDto } from '../../preload/contract'
import { configRows, settingText } from '../../renderer/src/composables/compare'
import { formFor, formFromConfig, trainRequest } from '../../renderer/src/composables/train-form'
import { classScoresBlocked, headsBlocked, transferProblems } from '../../renderer/src/composables/train-transfer'
import { validateTrainForm } from '../../renderer/src/composables/train-validate'

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
const backbone = (name: string, classifier: boolean): BackboneDto => ({
  name,
  title: name === 'mine' ? 'My net' : 'MobileNet v1 0.75',
  origin: 'bundled',
  problem: null,
  inputSize: 224,
  featureSize: 768,
  parameters: null,
  bytes: 1,
  imagesPerSecond: null,
  speedMeasured: null,
  license: null,
  classifier,
})
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
    classScores: 30,
    heads: 5,
  },
  backbones: [backbone('mobilenet_v1_0.75_224', true), backbone('mine', false)],
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

  it('class scores: on by default where the backbone ships a classifier, sent at the preset’s weight or 0', () => {
    const form = formFor(transfer)
    expect(form.classScores).toBe(true)
    expect(classScoresBlocked(form, transfer)).toBeNull()
    expect(trainRequest(form, transfer).classScores).toBe(30)
    form.classScores = false
    expect(trainRequest(form, transfer).classScores).toBe(0)
    // Another weight from the engine is what is sent.
    const heavier = { ...transfer, transfer: { ...transfer.transfer!, classScores: 12 } }
    expect(trainRequest(formFor(heavier), heavier).classScores).toBe(12)
    // No preset recipe, no field.
    expect('classScores' in trainRequest(formFor(seed), seed)).toBe(false)
  })

  it('class scores: blocked with the reason by a backbone without a classifier or by fine-tuning, then sent as 0', () => {
    const mine = { ...formFor(transfer), backbone: 'mine' }
    expect(classScoresBlocked(mine, transfer)).toBe('My net ships no ImageNet classifier')
    expect(trainRequest(mine, transfer).classScores).toBe(0)
    const tuned = { ...formFor(transfer), fineTuneBlocks: 2 }
    expect(classScoresBlocked(tuned, transfer)).toMatch(/^fine-tuning is on/)
    expect(trainRequest(tuned, transfer)).toMatchObject({ classScores: 0, fineTune: { blocks: 2 } })
    // The wish stays: back to a frozen backbone, they are sent again.
    expect(trainRequest({ ...tuned, fineTuneBlocks: 0 }, transfer).classScores).toBe(30)
    expect(classScoresBlocked(formFor(transfer), { ...transfer, backbones: [] })).toBe('no backbone can be used')
  })

  it('class scores: "train again" restores a run’s; a run from before them had them off', () => {
    expect(formFromConfig(transfer, { classScores: 0 }).classScores).toBe(false)
    expect(formFromConfig(transfer, { classScores: 30 }).classScores).toBe(true)
    expect(formFromConfig(transfer, {}).classScores).toBe(false)
    expect(formFromConfig(transfer, { classScores: '30' }).classScores).toBe(false)
  })

  it('heads: the preset’s default, sent as set while the backbone stays frozen', () => {
    const form = formFor(transfer)
    expect(form.heads).toBe(5)
    expect(headsBlocked(form, transfer)).toBeNull()
    expect(trainRequest(form, transfer).heads).toBe(5)
    form.heads = 1
    expect(trainRequest(form, transfer).heads).toBe(1)
    form.heads = 10
    expect(trainRequest(form, transfer).heads).toBe(10)
    // Another default from the engine is the form's.
    const three = { ...transfer, transfer: { ...transfer.transfer!, heads: 3 } }
    expect(formFor(three).heads).toBe(3)
    // No preset recipe, no field.
    expect('heads' in trainRequest(formFor(seed), seed)).toBe(false)
    expect(headsBlocked(formFor(seed), seed)).toMatch(/no head on cached features/)
  })

  it('heads: blocked with the reason while fine-tuning, then sent as 1; the wish stays', () => {
    const tuned = { ...formFor(transfer), heads: 7, fineTuneBlocks: 1 }
    expect(headsBlocked(tuned, transfer)).toBe('fine-tuning is on (set Fine-tune last blocks to 0 to average heads)')
    expect(trainRequest(tuned, transfer)).toMatchObject({ heads: 1, fineTune: { blocks: 1 } })
    expect(trainRequest({ ...tuned, fineTuneBlocks: 0 }, transfer).heads).toBe(7)
  })

  it('heads: "train again" restores a run’s; a run from before them (or an odd value) had one', () => {
    expect(formFromConfig(transfer, { heads: 3 }).heads).toBe(3)
    expect(formFromConfig(transfer, { heads: 1 }).heads).toBe(1)
    expect(formFromConfig(transfer, {}).heads).toBe(1)
    expect(formFromConfig(transfer, { heads: '5' }).heads).toBe(1)
    expect(formFromConfig(transfer, { heads: null }).heads).toBe(1)
  })

  it('names a value out of range', () => {
    const form = { ...formFor(transfer), augCopies: 17, fineTuneBlocks: 1.5 }
    expect(transferProblems(form, transfer)).toEqual({
      augCopies: 'Enter a whole number from 0 to 16.',
      fineTuneBlocks: 'Enter a whole number from 0 to 8.',
    })
    expect(transferProblems(formFor(transfer), transfer)).toEqual({})
    const heads = (v: unknown) => transferProblems({ ...formFor(transfer), heads: v as number }, transfer).heads
    for (const bad of [0, 11, 2.5, -1, '', Number.NaN])
      expect(heads(bad), String(bad)).toBe('Enter a whole number from 1 to 10.')
    for (const ok of [1, 5, 10]) expect(heads(ok)).toBeUndefined()
    // While fine-tuning the field is disabled and 1 is sent: what it held is no problem.
    expect(transferProblems({ ...formFor(transfer), fineTuneBlocks: 1, heads: 0 }, transfer)).toEqual({})
    expect(transferProblems({ ...formFor(seed), heads: 0 }, seed)).toEqual({})
  })

  it('blocks Start with the form’s other problems', () => {
    const form = { ...formFor(transfer), heads: 11, augCopies: 17 }
    expect(validateTrainForm(form, transfer)).toEqual({
      heads: 'Enter a whole number from 1 to 10.',
      augCopies: 'Enter a whole number from 0 to 16.',
    })
    expect(validateTrainForm(formFor(transfer), transfer)).toEqual({})
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
    expect(settingText('classScores', 30)).toBe('×30')
    expect(settingText('classScores', 0)).toBe('off')
    const runs = [{ config: { classScores: 30 } }, { config: { classScores: 0 } }] as unknown as RunDto[]
    expect(configRows(runs)[0]).toEqual({
      key: 'classScores',
      label: 'Class scores',
      values: ['×30', 'off'],
      differs: true,
    })
  })

  it('heads averaged: the number; a run from before them had one', () => {
    expect(settingText('heads', 5)).toBe('5')
    expect(settingText('heads', 1)).toBe('1')
    expect(settingText('heads', undefined)).toBe('1')
    const runs = [{ config: { heads: 5 } }, { config: {} }, { config: { heads: 1 } }] as unknown as RunDto[]
    expect(configRows(runs)).toEqual([
      { key: 'heads', label: 'Heads averaged', values: ['5', '1', '1'], differs: true },
    ])
    const same = [{ config: { heads: 1, epochs: 3 } }, { config: { epochs: 3 } }] as unknown as RunDto[]
    expect(configRows(same).find((r) => r.key === 'heads')).toEqual({
      key: 'heads',
      label: 'Heads averaged',
      values: ['1', '1'],
      differs: false,
    })
  })
})
