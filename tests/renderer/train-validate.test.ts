import { describe, expect, it } from 'vitest'
import type { PresetDto, RunDto } from '../../preload/contract'
import { formFor, type TrainForm } from '../../renderer/src/composables/train-form'
import {
  humanStartError,
  normalisedSplit,
  resumeCommand,
  runEndText,
  validateTrainForm,
} from '../../renderer/src/composables/train-validate'

const seed: PresetDto = {
  name: 'seed-cnn',
  label: 'Seed CNN',
  description: '',
  fields: ['inputSize', 'augment'],
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
const transfer: PresetDto = { ...seed, name: 'transfer', fields: ['backbone'], inputSize: { min: 224, max: 224 } }
/** A form with some fields as the browser hands them over: an emptied number field is ''. */
const form = (over: Record<string, unknown>): TrainForm => Object.assign(formFor(seed), over)

describe('Train form validation', () => {
  it('accepts the defaults and small learning rates (0.00025, 0.00001); refuses 0 and an empty field', () => {
    expect(validateTrainForm(formFor(seed), seed)).toEqual({})
    expect(validateTrainForm(form({ learningRate: 0.00025 }), seed)).toEqual({})
    expect(validateTrainForm(form({ learningRate: 0.00001 }), seed)).toEqual({})
    expect(validateTrainForm(form({ learningRate: 0 }), seed).learningRate).toMatch(/must be above 0/)
    expect(validateTrainForm(form({ learningRate: -1 }), seed).learningRate).toMatch(/must be above 0/)
    expect(validateTrainForm(form({ learningRate: '' }), seed).learningRate).toMatch(/^Enter a number/)
  })

  it('says per field what is wrong, in words, never the schema’s', () => {
    const e = validateTrainForm(form({ epochs: 0, batchSize: 2.5, patience: -1, seed: '', inputSize: 300 }), seed)
    expect(e).toEqual({
      epochs: 'Enter 1 to 1000.',
      batchSize: 'Enter a whole number of images.',
      patience: 'Enter 0 to 1000.',
      seed: 'Enter a number.',
      inputSize: 'Enter 24 to 224.',
    })
    // A preset without the field does not check it; one with a fixed size says so.
    expect(validateTrainForm(form({ inputSize: 0 }), transfer).inputSize).toBeUndefined()
    expect(validateTrainForm(form({ inputSize: 200 }), { ...transfer, fields: ['inputSize'] }).inputSize).toBe(
      'This model takes 224 only.',
    )
  })

  it('checks the split in percent: no negatives, something to train on; shows the share a run uses', () => {
    expect(validateTrainForm(form({ train: 0 }), seed).split).toMatch(/Training needs a share above 0/)
    expect(validateTrainForm(form({ val: -5 }), seed).split).toMatch(/from 0 to 100/)
    expect(validateTrainForm(form({ test: '' }), seed).split).toMatch(/percentage in each box/)
    expect(validateTrainForm(form({ val: 0, test: 0 }), seed)).toEqual({})
    expect(normalisedSplit(form({}))).toBe('')
    expect(normalisedSplit(form({ train: 70, val: 30, test: 20 }))).toBe(
      'adds up to 120 %: the run uses 58.3 / 25.0 / 16.7 %',
    )
  })

  it('turns an engine refusal into the form’s words', () => {
    expect(humanStartError('startTraining: epochs: Invalid input: expected number, received string')).toBe(
      'Epochs: not a valid number',
    )
    expect(humanStartError('startTraining: fractions.train: Invalid input: expected number, received null')).toBe(
      'Split: not a valid number',
    )
    expect(humanStartError('startTraining: batchNorm: Invalid input: expected boolean, received string')).toBe(
      'Batch normalization: must be on or off',
    )
    expect(humanStartError('training needs at least 2 classes with labeled images; found 1: "a"')).toBe(
      'training needs at least 2 classes with labeled images; found 1: "a"',
    )
  })
})

describe('the end of a run', () => {
  const dto = (over: Partial<RunDto>): RunDto => ({
    run: 3,
    status: 'done',
    preset: 'seed-cnn',
    datasetVersion: 1,
    backend: 'wasm',
    epochs: 3,
    createdAt: '',
    finishedAt: null,
    error: null,
    seconds: 1,
    config: {},
    valAccuracy: 0.8,
    testAccuracy: 0.9125,
    macroF1: null,
    ...over,
  })

  it('shows the test accuracy, else the validation accuracy, else just that it is done', () => {
    expect(runEndText(dto({}), 3, 'done')).toBe('Run 3 done: test accuracy 91.3 %')
    expect(runEndText(dto({ testAccuracy: null }), 3, 'done')).toBe('Run 3 done: validation accuracy 80.0 %')
    expect(runEndText(undefined, 3, 'done')).toBe('Run 3 done.')
    expect(runEndText(dto({ error: 'out of memory' }), 3, 'failed')).toBe('Run 3 failed: out of memory')
    expect(runEndText(undefined, 3, 'cancelled')).toBe('Run 3 was cancelled.')
    expect(runEndText(undefined, 3, 'running')).toBe('')
  })

  it('names the command that resumes it, quoting a folder with spaces', () => {
    expect(resumeCommand(3, '/data/proj')).toBe('studio train --resume 3 --project /data/proj')
    expect(resumeCommand(3, '/data/my proj')).toBe('studio train --resume 3 --project "/data/my proj"')
    expect(resumeCommand(3, null)).toBe('studio train --resume 3')
  })
})
