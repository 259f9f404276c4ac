import { describe, expect, it } from 'vitest'
import {
  applyImportEvent,
  canStartImport,
  IDLE_IMPORT,
  importAccepted,
  importRefused,
  importRequested,
  type FinishedEvent,
  type ProgressEvent,
} from '../../renderer/src/composables/import-state'

const progress: ProgressEvent = {
  type: 'import-progress',
  done: 3,
  total: 10,
  imported: 3,
  duplicates: 0,
  errors: 0,
  current: 'a.jpg',
  rate: 30,
}
const failed: FinishedEvent = {
  type: 'import-finished',
  status: 'failed',
  imported: 0,
  duplicates: 0,
  errors: 0,
  error: 'no such folder: /nope',
}
const done: FinishedEvent = {
  type: 'import-finished',
  status: 'done',
  imported: 30,
  duplicates: 2,
  errors: 1,
  error: null,
}

describe('following an import', () => {
  it('locks the form from the request to the end', () => {
    let s = importRequested({ ...IDLE_IMPORT, error: 'old', result: 'old' })
    expect(s).toMatchObject({ phase: 'starting', error: '', result: '', progress: null })
    expect(canStartImport(s, '/photos')).toBe(false)
    s = importAccepted(s)
    s = applyImportEvent(s, progress)
    expect(s).toMatchObject({ phase: 'running', progress })
    s = applyImportEvent(s, done)
    expect(s).toMatchObject({ phase: 'idle', result: 'Done: 30 imported, 2 duplicates, 1 error', error: '' })
    // The last progress stays on screen after the end.
    expect(s.progress).toBe(progress)
    expect(canStartImport(s, '/photos')).toBe(true)
    expect(canStartImport(s, '   ')).toBe(false)
  })

  it('unlocks when the failure arrives before the start reply (a folder that does not exist)', () => {
    let s = importRequested(IDLE_IMPORT)
    s = applyImportEvent(s, failed)
    s = importAccepted(s)
    expect(s).toMatchObject({ phase: 'idle', error: 'no such folder: /nope' })
    expect(canStartImport(s, '/nope')).toBe(true)
  })

  it('unlocks with the reason when the request is refused', () => {
    const s = importRefused(importRequested(IDLE_IMPORT), 'an import is already running')
    expect(s).toMatchObject({ phase: 'idle', error: 'an import is already running' })
  })

  it('shows an import started elsewhere as running, and says "Cancelled" for a cancelled one', () => {
    const s = applyImportEvent(IDLE_IMPORT, progress)
    expect(s.phase).toBe('running')
    expect(applyImportEvent(s, { ...done, status: 'cancelled' }).result).toMatch(/^Cancelled: 30 imported/)
  })
})
