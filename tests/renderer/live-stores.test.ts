import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { PresetDto } from '../../preload/contract'
import { useAppStore } from '../../renderer/src/stores/app'
import { useImportsStore } from '../../renderer/src/stores/imports'
import { useTrainingStore } from '../../renderer/src/stores/training'
import { ApiError, deferred, fake, settle, run } from './fake-api'

vi.mock('../../renderer/src/api', () => import('./fake-api').then((m) => m.apiModule))

const PRESETS: PresetDto[] = [
  {
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
  },
  {
    name: 'transfer',
    label: 'Transfer',
    description: '',
    fields: ['backbone'],
    inputSize: { min: 224, max: 224 },
    defaults: {
      inputSize: 224,
      epochs: 100,
      batchSize: 32,
      learningRate: 0.001,
      patience: 10,
      seed: 42,
      backbone: 'mnet',
      fractions: { train: 0.7, val: 0.15, test: 0.15 },
    },
  },
]
const openProject = () => (useAppStore().info = { version: '1', shell: 'browser', project: '/p' })

beforeEach(() => {
  setActivePinia(createPinia())
  fake.handlers.length = 0
  vi.clearAllMocks()
  fake.api.runs.mockResolvedValue([])
  fake.api.epochs.mockResolvedValue([])
  fake.api.presets.mockResolvedValue(PRESETS)
  fake.api.backbones.mockResolvedValue(['mnet'])
  fake.api.importErrors.mockResolvedValue([])
})

describe('training store', () => {
  it('fills the form from the engine’s presets and switches defaults with the preset', async () => {
    const t = useTrainingStore()
    openProject()
    await settle()
    expect(t.presets.map((p) => p.name)).toEqual(['seed-cnn', 'transfer'])
    expect(t.form).toMatchObject({ preset: 'seed-cnn', epochs: 10, inputSize: 64 })
    t.form.useOriginSplits = true
    t.choosePreset('transfer')
    expect(t.form).toMatchObject({ preset: 'transfer', epochs: 100, patience: 10, useOriginSplits: true })
    expect(t.canStart).toBe(true)
  })

  it('rebuilds the running run after a reload, then follows its events to the end', async () => {
    fake.api.runs.mockResolvedValue([run(1, 'done'), { ...run(2, 'running'), config: { epochs: 500, inputSize: 32 } }])
    fake.api.epochs.mockResolvedValue([{ epoch: 1, loss: 0.9, accuracy: 0.3, valLoss: 0.8, valAccuracy: 0.4 }])
    const t = useTrainingStore()
    openProject()
    await settle()
    expect(fake.api.epochs).toHaveBeenCalledWith({ runId: 2 })
    expect(t.live).toMatchObject({ runId: 2, status: 'running' })
    expect(t.live!.points).toHaveLength(1)
    expect(t.running).toBe(true)
    expect(t.canStart).toBe(false)
    // The form shows what the run trains with, not the defaults.
    expect(t.form).toMatchObject({ preset: 'seed-cnn', epochs: 500, inputSize: 32, batchSize: 32 })
    fake.emit({
      type: 'train-batch',
      runId: 2,
      epoch: 2,
      batch: 1,
      batches: 2,
      loss: 0.5,
      accuracy: 0.6,
      imagesPerSec: 10,
      etaSeconds: 1,
    })
    expect(t.live!.points.map((p) => p.x)).toEqual([1, 1.5])
    fake.emit({ type: 'train-status', runId: 2, status: 'done', message: null })
    expect(t.running).toBe(false)
    expect(t.canStart).toBe(true)
  })

  it('keeps the events that arrive before the start reply, and disables Start while the request is out', async () => {
    const t = useTrainingStore()
    openProject()
    await settle()
    const reply = deferred<{ runId: number }>()
    fake.api.startTraining.mockReturnValue(reply.promise)
    const started = t.start()
    expect(t.canStart).toBe(false)
    fake.emit({ type: 'train-status', runId: 3, status: 'running', message: 'reading images' })
    fake.emit({
      type: 'train-batch',
      runId: 3,
      epoch: 1,
      batch: 1,
      batches: 2,
      loss: 0.5,
      accuracy: 0.6,
      imagesPerSec: 10,
      etaSeconds: 1,
    })
    reply.resolve({ runId: 3 })
    await started
    expect(t.live).toMatchObject({ runId: 3, status: 'running', message: 'reading images' })
    expect(t.live!.points).toHaveLength(1)
    expect(fake.api.startTraining).toHaveBeenCalledWith(
      expect.objectContaining({ preset: 'seed-cnn', epochs: 10, inputSize: 64 }),
    )
  })

  it('on "already running", shows the engine’s run, and drops the message once that run has ended', async () => {
    const t = useTrainingStore()
    openProject()
    await settle()
    fake.api.startTraining.mockRejectedValue(
      new ApiError('ConflictError', 'a training run is already running in this window'),
    )
    fake.api.runs.mockResolvedValue([run(4, 'running')])
    await t.start()
    expect(t.error).toMatch(/already running/)
    expect(t.live).toMatchObject({ runId: 4, status: 'running' })
    fake.emit({ type: 'train-status', runId: 4, status: 'cancelled', message: null })
    expect(t.error).toBe('')
    expect(t.canStart).toBe(true)
  })

  it('retries a Start pressed while the ended run’s process still exits, instead of "already running"', async () => {
    vi.useFakeTimers()
    try {
      fake.api.runs.mockResolvedValue([run(5, 'running')])
      const t = useTrainingStore()
      openProject()
      await vi.runAllTimersAsync()
      fake.emit({ type: 'train-status', runId: 5, status: 'done', message: null })
      const busy = new ApiError('ConflictError', 'a training run is already running in this window')
      fake.api.startTraining.mockRejectedValueOnce(busy).mockRejectedValueOnce(busy).mockResolvedValueOnce({ runId: 6 })
      const started = t.start()
      await vi.runAllTimersAsync()
      await started
      expect(fake.api.startTraining).toHaveBeenCalledTimes(3)
      expect(t.error).toBe('')
      expect(t.live).toMatchObject({ runId: 6, status: 'running' })
    } finally {
      vi.useRealTimers()
    }
  })

  it('keeps Start disabled while a field is wrong; an engine refusal reads in the form’s words', async () => {
    const t = useTrainingStore()
    openProject()
    await settle()
    t.form.learningRate = 0
    expect(t.problems.learningRate).toMatch(/above 0/)
    expect(t.canStart).toBe(false)
    await t.start()
    expect(fake.api.startTraining).not.toHaveBeenCalled()
    t.form.learningRate = 0.00025
    expect(t.canStart).toBe(true)
    fake.api.startTraining.mockRejectedValue(
      new ApiError('ValidationError', 'startTraining: epochs: Invalid input: expected number, received string'),
    )
    await t.start()
    expect(t.error).toBe('Epochs: not a valid number')
  })

  it('forgets the live run when the project closes', async () => {
    fake.api.runs.mockResolvedValue([run(2, 'running')])
    const t = useTrainingStore()
    openProject()
    await settle()
    expect(t.live).not.toBeNull()
    useAppStore().info = { version: '1', shell: 'browser', project: null }
    await settle()
    expect(t.live).toBeNull()
  })
})

describe('imports store', () => {
  it('enables Import again when the failure event beats the {started: true} reply', async () => {
    const imports = useImportsStore()
    openProject()
    await settle()
    imports.source = '/does/not/exist'
    const reply = deferred<{ started: true }>()
    fake.api.startImport.mockReturnValue(reply.promise)
    const started = imports.start()
    expect(imports.canStart).toBe(false)
    fake.emit({
      type: 'import-finished',
      status: 'failed',
      imported: 0,
      duplicates: 0,
      errors: 0,
      error: 'ENOENT: no such folder',
    })
    reply.resolve({ started: true })
    await started
    expect(imports.state.error).toMatch(/no such folder/)
    expect(imports.busy).toBe(false)
    expect(imports.canStart).toBe(true)
  })

  it('follows a successful import and refreshes the error list at its end', async () => {
    const imports = useImportsStore()
    openProject()
    await settle()
    imports.source = '/photos'
    fake.api.startImport.mockResolvedValue({ started: true })
    await imports.start()
    expect(imports.busy).toBe(true)
    fake.api.importErrors.mockResolvedValue([{ batch: 1, path: 'broken.jpg', reason: 'not an image' }])
    fake.emit({ type: 'import-finished', status: 'done', imported: 3, duplicates: 0, errors: 1, error: null })
    await settle()
    expect(imports.busy).toBe(false)
    expect(imports.state.result).toBe('Done: 3 imported, 0 duplicates, 1 error')
    expect(imports.errors.map((e) => e.path)).toEqual(['broken.jpg'])
  })
})
