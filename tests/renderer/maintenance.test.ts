import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { BackupDto, CheckDto } from '../../preload/contract'
import { idleJob } from '../../renderer/src/composables/jobs'
import {
  backupDoneText,
  checkLines,
  firstOf,
  isExistsRefusal,
  jobMessage,
  LIST_MAX,
  problemTitle,
  repairText,
  sizeText,
} from '../../renderer/src/composables/maintenance'
import { useJobsStore } from '../../renderer/src/stores/jobs'
import { useMaintenanceStore } from '../../renderer/src/stores/maintenance'
import { ApiError, fake, settle } from './fake-api'

vi.mock('../../renderer/src/api', () => import('./fake-api').then((m) => m.apiModule))

const startCheck = vi.fn()
const startBackup = vi.fn()
Object.assign(fake.api, { startCheck, startBackup })

const check: CheckDto = {
  database: 'ok',
  images: 10,
  checked: 10,
  originalsOk: 9,
  repairedOriginals: 0,
  repairedThumbnails: 2,
  gpsCounted: 0,
  complete: true,
  repaired: [],
  problems: [
    { kind: 'original-damaged', file: '/p/media/ab/x.jpg', name: 'cats/x.jpg', imageId: 3, detail: 'damaged' },
  ],
  seconds: 0.1,
}

describe('the Settings view’s check and backup helpers', () => {
  it('sums up a check, a cancelled one saying how far it got', () => {
    expect(checkLines(check)).toEqual([
      'Database: sound.',
      '9 of 10 originals match their SHA-256.',
      '2 thumbnails made again.',
      '1 problem could not be repaired:',
    ])
    expect(checkLines({ ...check, database: 'damaged', repairedThumbnails: 0, problems: [] })).toEqual([
      'Database: DAMAGED (see below).',
      '9 of 10 originals match their SHA-256.',
      'Every thumbnail is present.',
      'Nothing left to repair.',
    ])
    const cancelled = checkLines({ ...check, complete: false, checked: 4, problems: [] })
    expect(cancelled[0]).toBe('Cancelled after 4 of 10 images; the rest was not checked.')
    expect(cancelled.at(-1)).toBe('Nothing unrepaired so far.')
  })

  it('names repaired files and problems by the image’s path as imported', () => {
    expect(repairText({ kind: 'thumbnail', file: '/t', name: 'dogs/a.png', imageId: 1, from: null })).toBe(
      'dogs/a.png: thumbnail made again',
    )
    expect(repairText({ kind: 'original', file: '/m', name: null, imageId: 7, from: '/src/a.png' })).toBe(
      'image 7: original written back from its import source',
    )
    expect(problemTitle(check.problems[0]!)).toBe('cats/x.jpg')
    expect(problemTitle({ kind: 'database', file: '/p/studio.db', name: null, imageId: null, detail: 'x' })).toBe(
      'Database',
    )
    const many = Array.from({ length: LIST_MAX + 5 }, (_, i) => i)
    expect(firstOf(many).shown).toHaveLength(LIST_MAX)
    expect(firstOf(many).more).toBe(5)
    expect(firstOf([1]).more).toBe(0)
  })

  it('says how far a job is in the engine’s words, else in counts', () => {
    expect(jobMessage(idleJob('check'))).toBe('starting…')
    const running = { ...idleJob('check'), status: 'running' as const, done: 120, total: 480 }
    expect(jobMessage({ ...running, message: '120 of 480 originals verified' })).toBe('120 of 480 originals verified')
    expect(jobMessage(running)).toBe('120 of 480')
  })

  it('says what a backup wrote, how big and where', () => {
    const b: BackupDto = {
      file: '/home/u/proj-backup-2026-12-06.tar',
      bytes: 12_345_678,
      images: 1,
      runs: 2,
      files: 5,
      missing: [],
      replaced: false,
      seconds: 1,
    }
    expect(backupDoneText(b)).toBe(
      'Backed up 1 image and 2 runs: 12.3 MB written to /home/u/proj-backup-2026-12-06.tar.',
    )
    expect(backupDoneText({ ...b, replaced: true })).toContain(', replacing the earlier backup.')
    expect([sizeText(1), sizeText(999), sizeText(34_000), sizeText(2.5e9)]).toEqual([
      '1 byte',
      '999 bytes',
      '34 KB',
      '2.50 GB',
    ])
  })

  it('tells an existing-file refusal (asks to replace) from other refusals', () => {
    const named = (name: string, message: string) => Object.assign(new Error(message), { name })
    expect(isExistsRefusal(named('ConflictError', '/x.tar already exists; choose a new file'))).toBe(true)
    expect(isExistsRefusal(named('ConflictError', 'a backup is already running'))).toBe(false)
    expect(isExistsRefusal(named('ValidationError', '/x.tar already exists'))).toBe(false)
    expect(isExistsRefusal(null)).toBe(false)
  })
})

const backupResult: BackupDto = {
  file: '/b/p.tar',
  bytes: 2_000,
  images: 3,
  runs: 0,
  files: 7,
  missing: [],
  replaced: true,
  seconds: 0.1,
}

describe('the maintenance store', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    fake.handlers.length = 0
    startCheck.mockReset()
    startBackup.mockReset()
  })

  it('follows a check job and keeps its result, also a cancelled one', async () => {
    startCheck.mockResolvedValue({ started: true })
    const store = useMaintenanceStore()
    const jobs = useJobsStore()
    expect(await store.startCheck()).toBe(true)
    fake.emit({ type: 'job-progress', kind: 'check', done: 2, total: 10, message: '2 of 10 originals verified' })
    expect(jobs.jobs.check).toMatchObject({ status: 'running', message: '2 of 10 originals verified' })
    const partial = { ...check, complete: false, checked: 2 }
    fake.emit({ type: 'check-finished', result: partial })
    fake.emit({ type: 'job-finished', kind: 'check', status: 'cancelled', error: null })
    expect(store.check).toEqual(partial)
    expect(jobs.jobs.check?.status).toBe('cancelled')
    store.clearCheck()
    expect([store.check, jobs.jobs.check]).toEqual([null, undefined])
  })

  it('asks before replacing an existing file instead of failing, then sends overwrite', async () => {
    startBackup.mockRejectedValueOnce(
      new ApiError('ConflictError', '/b/p.tar already exists; choose a new file for the backup'),
    )
    const store = useMaintenanceStore()
    const jobs = useJobsStore()
    expect(await store.startBackup('/b/p.tar')).toBe(false)
    await settle()
    expect(store.confirmReplace).toBe('/b/p.tar')
    expect(jobs.jobs.backup).toBeUndefined() // a question, not a failed job
    startBackup.mockResolvedValueOnce({ started: true, file: '/b/p.tar' })
    expect(await store.startBackup('/b/p.tar', true)).toBe(true)
    expect(startBackup).toHaveBeenLastCalledWith({ path: '/b/p.tar', overwrite: true })
    expect(store.confirmReplace).toBeNull()
    fake.emit({ type: 'backup-finished', result: backupResult })
    fake.emit({ type: 'job-finished', kind: 'backup', status: 'done', error: null })
    expect(store.backup).toEqual(backupResult)
    expect(jobs.jobs.backup?.status).toBe('done')
  })

  it('shows any other refusal as the failed job, with its message', async () => {
    startBackup.mockRejectedValue(new ApiError('ValidationError', 'the folder for the backup, /no, does not exist'))
    const store = useMaintenanceStore()
    expect(await store.startBackup('/no/p.tar')).toBe(false)
    await settle()
    expect(store.confirmReplace).toBeNull()
    expect(useJobsStore().jobs.backup).toMatchObject({
      status: 'failed',
      error: 'the folder for the backup, /no, does not exist',
    })
  })
})
