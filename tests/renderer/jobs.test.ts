import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import {
  applyJobEvent,
  idleJob,
  jobActive,
  jobEndText,
  jobProgressText,
  jobRefused,
} from '../../renderer/src/composables/jobs'
import { useAppStore } from '../../renderer/src/stores/app'
import { useJobsStore } from '../../renderer/src/stores/jobs'
import { ApiError, deferred, fake, settle } from './fake-api'
import { quality } from './fake-quality'

vi.mock('../../renderer/src/api', () => import('./fake-api').then((m) => m.apiModule))

describe('job state', () => {
  it('follows progress to the end, and says how it went', () => {
    let j = applyJobEvent(idleJob('score'), { type: 'job-progress', kind: 'score', done: 0, total: 0, message: null })
    expect(jobProgressText(j)).toBe('starting…')
    j = applyJobEvent(j, { type: 'job-progress', kind: 'score', done: 30, total: 120, message: 'scoring' })
    expect(j.status).toBe('running')
    expect(jobProgressText(j)).toBe('30 / 120 (25 %) · scoring')
    expect(jobActive(j)).toBe(true)
    j = applyJobEvent(j, { type: 'job-finished', kind: 'score', status: 'failed', error: 'disk full' })
    expect(jobActive(j)).toBe(false)
    expect(jobEndText(j, 'Scoring')).toBe('Scoring failed: disk full')
  })

  it('a refusal fails the job unless events already told more (a fast job can end before its reply)', () => {
    expect(jobRefused(idleJob('label-check'), 'label-check', 'no backbone')).toMatchObject({
      status: 'failed',
      error: 'no backbone',
    })
    const ended = { ...idleJob('label-check'), status: 'done' as const }
    expect(jobRefused(ended, 'label-check', 'late')).toBe(ended)
  })
})

describe('jobs store', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    fake.handlers.length = 0
    vi.clearAllMocks()
    useAppStore().info = { version: '1', shell: 'browser', project: '/p' }
  })

  it('keeps events that beat the start reply, and does not start a second job of the kind', async () => {
    const jobs = useJobsStore()
    const reply = deferred<{ started: true }>()
    quality.startScoring.mockReturnValue(reply.promise)
    const started = jobs.start('score', () => quality.startScoring({ runId: 1 }))
    expect(jobs.jobs.score?.status).toBe('starting')
    expect(await jobs.start('score', () => quality.startScoring({ runId: 1 }))).toBe(false)
    fake.emit({ type: 'job-progress', kind: 'score', done: 5, total: 10, message: null })
    fake.emit({ type: 'job-finished', kind: 'score', status: 'done', error: null })
    reply.resolve({ started: true })
    expect(await started).toBe(true)
    expect(jobs.jobs.score).toMatchObject({ status: 'done', done: 5, total: 10 })
    expect(quality.startScoring).toHaveBeenCalledTimes(1)
  })

  it('shows a refused start as a failed job with the engine’s reason; Dismiss forgets it', async () => {
    const jobs = useJobsStore()
    quality.startLabelCheck.mockRejectedValue(new ApiError('NoBackboneError', 'no backbone in ~/.studio/models'))
    expect(await jobs.start('label-check', () => quality.startLabelCheck({}))).toBe(false)
    expect(jobs.jobs['label-check']).toMatchObject({ status: 'failed', error: 'no backbone in ~/.studio/models' })
    jobs.clear('label-check')
    expect(jobs.jobs['label-check']).toBeUndefined()
  })

  it('cancels through the engine, and forgets every job when the project closes', async () => {
    const jobs = useJobsStore()
    quality.cancelJob.mockResolvedValue({ cancelled: true })
    fake.emit({ type: 'job-progress', kind: 'backfill', done: 1, total: 9, message: null })
    expect(jobs.jobs.backfill?.status).toBe('running')
    await jobs.cancel('backfill')
    expect(quality.cancelJob).toHaveBeenCalledWith({ kind: 'backfill' })
    useAppStore().info = { version: '1', shell: 'browser', project: null }
    await settle()
    expect(jobs.jobs).toEqual({})
  })
})
