import { describe, expect, it } from 'vitest'
import type { PresetDto } from '../../preload/contract'
import { formFor, formFromConfig, hasField, trainRequest } from '../../renderer/src/composables/train-form'

const seed: PresetDto = {
  name: 'seed-cnn',
  label: 'Seed CNN',
  description: '',
  fields: ['inputSize', 'augment', 'batchNorm'],
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
}
const transfer: PresetDto = {
  name: 'transfer',
  label: 'Transfer',
  description: '',
  fields: ['backbone'],
  inputSize: { min: 224, max: 224 },
  defaults: { ...seed.defaults, inputSize: 224, epochs: 100, patience: null, backbone: 'mobilenet' },
}

describe('the Train form', () => {
  it('starts from the preset’s engine defaults, the split in percent, no early stopping as 0', () => {
    expect(formFor(seed)).toMatchObject({
      preset: 'seed-cnn',
      inputSize: 64,
      epochs: 10,
      batchSize: 32,
      learningRate: 0.001,
      patience: 5,
      seed: 42,
      train: 70,
      val: 15,
      test: 15,
    })
    expect(formFor(transfer)).toMatchObject({ preset: 'transfer', epochs: 100, patience: 0, backbone: '' })
    expect(formFor(seed, { useOriginSplits: true }).useOriginSplits).toBe(true)
    expect(
      formFor({ ...seed, defaults: { ...seed.defaults, fractions: { train: 0.333, val: 0.333, test: 0.334 } } }).train,
    ).toBe(33.3)
  })

  it('shows and sends only the fields a preset has', () => {
    expect(hasField(seed, 'inputSize')).toBe(true)
    expect(hasField(transfer, 'inputSize')).toBe(false)
    expect(hasField(undefined, 'backbone')).toBe(false)
    const seedReq = trainRequest({ ...formFor(seed), inputSize: 32, augment: true, backbone: 'ignored' }, seed)
    expect(seedReq).toMatchObject({ preset: 'seed-cnn', inputSize: 32, augment: true, patience: 5 })
    expect(seedReq).not.toHaveProperty('backbone')
    // Batch normalization: sent as ticked where the preset has it (the seed CNN), left out where not.
    expect(trainRequest({ ...formFor(seed), batchNorm: true }, seed)).toMatchObject({ batchNorm: true })
    const transferReq = trainRequest({ ...formFor(transfer), inputSize: 32, augment: true }, transfer)
    expect(transferReq).toMatchObject({ preset: 'transfer', epochs: 100, patience: null })
    expect(transferReq).not.toHaveProperty('inputSize')
    expect(transferReq).not.toHaveProperty('augment')
    expect(trainRequest({ ...formFor(transfer), batchNorm: true }, transfer)).not.toHaveProperty('batchNorm')
    // The default backbone is the engine's: the request leaves it out; a chosen one goes along.
    expect(transferReq).not.toHaveProperty('backbone')
    expect(trainRequest({ ...formFor(transfer), backbone: 'resnet' }, transfer).backbone).toBe('resnet')
  })

  it('sends the split as fractions of its total', () => {
    const req = trainRequest({ ...formFor(seed), train: 60, val: 20, test: 20 }, seed)
    expect(req.fractions).toEqual({ train: 0.6, val: 0.2, test: 0.2 })
    expect(trainRequest({ ...formFor(seed), train: 2, val: 1, test: 1 }, seed).fractions).toEqual({
      train: 0.5,
      val: 0.25,
      test: 0.25,
    })
  })

  it('shows a run’s stored settings (after a reload), keeping defaults for what is missing or odd', () => {
    const config = {
      preset: 'seed-cnn',
      inputSize: 32,
      epochs: 500,
      batchSize: 8,
      learningRate: 0.0005,
      patience: null,
      seed: 7,
      augment: { flip: true, rotate: 10, crop: 0.1, brightness: 0.1, contrast: 0.1, cropPad: 2 },
      useOriginSplits: true,
      fractions: { train: 0.8, val: 0.1, test: 0.1 },
      backbone: null,
      dropout: { beforeDense: 0.25, afterDense: 0.5 },
      labelSmoothing: 0.1,
      schedule: 'cosine',
      warmupEpochs: 1,
      weightDecay: 0.05,
    }
    // Train again: a run that trained with batch normalization ticks the box again.
    expect(formFromConfig(seed, { ...config, batchNorm: true }).batchNorm).toBe(true)
    expect(formFromConfig(seed, config)).toEqual({
      preset: 'seed-cnn',
      backbone: '',
      inputSize: 32,
      epochs: 500,
      batchSize: 8,
      learningRate: 0.0005,
      augment: true,
      patience: 0,
      seed: 7,
      train: 80,
      val: 10,
      test: 10,
      useOriginSplits: true,
      dropoutBefore: 0.25,
      dropoutAfter: 0.5,
      labelSmoothing: 0.1,
      schedule: 'cosine',
      warmupEpochs: 1,
      weightDecay: 0.05,
      cropPad: 2,
      flip: true,
      // A config without samePadding trained with none (an explicit choice, not Auto).
      samePadding: 0,
      // A config without batchNorm trained without it.
      batchNorm: false,
      // A preset without a transfer recipe: off.
      augCopies: 0,
      fineTuneBlocks: 0,
      classScores: false,
      heads: 1,
    })
    // The Augment box is the classic set (rotation, shift, light); crop padding and the mirror are the recipe's.
    expect(
      formFromConfig(seed, { augment: { flip: true, rotate: 0, crop: 0, brightness: 0, contrast: 0, cropPad: 3 } }),
    ).toMatchObject({ augment: false, flip: true, cropPad: 3 })
    expect(formFromConfig(seed, { epochs: 'many', augment: null })).toMatchObject({
      epochs: 10,
      augment: false,
      patience: 5,
      train: 70,
    })
    expect(formFromConfig(transfer, { backbone: 'mobilenet' }).backbone).toBe('')
    expect(formFromConfig(transfer, { backbone: 'resnet' }).backbone).toBe('resnet')
  })
})
