import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { ExportDto, SelfTestDto } from '../../preload/contract'
import {
  diffText,
  failedFormats,
  formatRows,
  selfTestScope,
  sizeText,
} from '../../renderer/src/composables/model-export'
import { useJobsStore } from '../../renderer/src/stores/jobs'
import { useModelExportStore } from '../../renderer/src/stores/model-export'
import { ApiError, deferred, fake, settle } from './fake-api'

vi.mock('../../renderer/src/api', () => import('./fake-api').then((m) => m.apiModule))

const exportRun = vi.fn()
Object.assign(fake.api, { exportRun })

const test = (over: Partial<SelfTestDto>): SelfTestDto => ({
  status: 'passed',
  reason: null,
  runtime: '@tensorflow/tfjs 4.22.0 (wasm backend)',
  preprocessing: 'preprocessing.json',
  split: 'test',
  images: 58,
  unreadable: 2,
  agreement: 1,
  accuracy: 0.9,
  studioAccuracy: 0.9,
  maxDiff: 3.1e-7,
  seconds: 1.2,
  threshold: { agreement: 1, maxDiff: 1e-4 },
  ...over,
})

const result: ExportDto = {
  runId: 3,
  dir: '/out/model',
  zip: '/out/model.zip',
  files: ['model.json', 'model.onnx'],
  modelCard: '# Model card: run 3',
  formats: [
    {
      format: 'tfjs',
      runtime: '@tensorflow/tfjs',
      modelFile: 'model.json',
      bytes: 4_600_000,
      files: [],
      selfTest: test({}),
    },
    {
      format: 'tfjs-uint8',
      runtime: '@tensorflow/tfjs',
      modelFile: 'tfjs-uint8/model.json',
      bytes: 1_150_000,
      files: [],
      selfTest: test({
        status: 'failed',
        reason: 'agreement 93.1 % is below 98 %',
        agreement: 0.931,
        maxDiff: 0.2,
        threshold: { agreement: 0.98, maxDiff: null },
      }),
    },
    {
      format: 'onnx',
      runtime: 'onnxruntime',
      modelFile: 'model.onnx',
      bytes: 830_000,
      files: [],
      selfTest: test({ status: 'skipped', reason: 'no ONNX runtime is installed here', images: 0, agreement: null }),
    },
    {
      format: 'tm',
      runtime: '@teachablemachine/image',
      modelFile: 'tm/model.json',
      bytes: 999,
      files: [],
      selfTest: null,
    },
  ],
}

describe('the export result table', () => {
  it('gives each format its size, figures and verdict, failed ones with why', () => {
    const rows = formatRows(result)
    expect(rows.map((r) => [r.format, r.size, r.verdict, r.verdictText])).toEqual([
      ['tfjs', '4.6 MB', 'passed', 'passed'],
      ['tfjs-uint8', '1.1 MB', 'failed', 'FAILED'],
      ['onnx', '830 kB', 'skipped', 'not checked'],
      ['tm', '999 B', 'untested', 'not checked'],
    ])
    expect(rows[0]).toMatchObject({ agreement: '100.0 %', accuracy: '90.0 %', maxDiff: '3.1e-7', images: '58' })
    expect(rows[0]!.threshold).toBe('agreement ≥ 100.0 %, max difference ≤ 1e-4')
    expect(rows[1]).toMatchObject({ agreement: '93.1 %', reason: 'agreement 93.1 % is below 98 %' })
    expect(rows[1]!.threshold).toBe('agreement ≥ 98.0 %')
    expect(rows[2]).toMatchObject({ images: '—', agreement: '—', reason: 'no ONNX runtime is installed here' })
    expect(rows[3]!.reason).toBe('no self-test was run')
    expect(failedFormats(result)).toEqual(['tfjs-uint8'])
    expect(selfTestScope(result)).toContain('the test split (60 images)')
  })

  it('writes sizes and differences as people read them', () => {
    expect([sizeText(12), sizeText(12_345), sizeText(12_345_678)]).toEqual(['12 B', '12 kB', '12 MB'])
    expect([diffText(0), diffText(null), diffText(0.000123)]).toEqual(['0', '—', '1.2e-4'])
  })
})

describe('the model export store', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    fake.handlers.length = 0
    exportRun.mockReset()
  })

  it('starts the job, follows it and keeps the result the export-finished event brings', async () => {
    const reply = deferred<{ started: true; dir: string; zip: string | null }>()
    exportRun.mockReturnValue(reply.promise)
    const store = useModelExportStore()
    const jobs = useJobsStore()
    const started = store.start({ runId: 3, dir: '/out/model', format: 'all' })
    expect(exportRun).toHaveBeenCalledWith({ runId: 3, dir: '/out/model', format: 'all' })
    expect(jobs.jobs.export?.status).toBe('starting')
    reply.resolve({ started: true, dir: '/out/model', zip: '/out/model.zip' })
    expect(await started).toBe(true)
    fake.emit({ type: 'job-progress', kind: 'export', done: 5, total: 10, message: 'self-test onnx: 4 / 8 images' })
    expect(jobs.jobs.export).toMatchObject({ status: 'running', message: 'self-test onnx: 4 / 8 images' })
    fake.emit({ type: 'export-finished', runId: 3, result })
    fake.emit({ type: 'job-finished', kind: 'export', status: 'done', error: null })
    expect(store.result).toEqual(result)
    expect(jobs.jobs.export?.status).toBe('done')
  })

  it('shows a refusal (a folder that is not empty) as the failed job, with no result', async () => {
    exportRun.mockRejectedValue(
      new ApiError('ConflictError', '/out/model exists and is not empty; choose a new folder'),
    )
    const store = useModelExportStore()
    expect(await store.start({ runId: 3, dir: '/out/model' })).toBe(false)
    await settle()
    expect(useJobsStore().jobs.export).toMatchObject({ status: 'failed', error: expect.stringMatching(/not empty/) })
    expect(store.result).toBeNull()
  })
})
