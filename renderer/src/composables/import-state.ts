import type { StudioEvent } from '../../../preload/contract'
import { plural } from './messages'

export type ProgressEvent = Extract<StudioEvent, { type: 'import-progress' }>
export type FinishedEvent = Extract<StudioEvent, { type: 'import-finished' }>

/**
 * An import as the page follows it. The reply to `startImport` and the import's events travel on
 * different channels (a request and the event stream), so they can arrive in either order: a folder
 * that does not exist fails — and its `import-finished` arrives — before the `{started: true}` reply.
 * Hence 'starting': the request is out, and whichever of the reply or the events comes first moves on.
 */
export interface ImportState {
  phase: 'idle' | 'starting' | 'running'
  progress: ProgressEvent | null
  /** How the last import ended ("Done: 30 imported, …"); '' while none has. */
  result: string
  error: string
}

export const IDLE_IMPORT: ImportState = { phase: 'idle', progress: null, result: '', error: '' }

/** The user pressed Import: the form locks until the import ends or is refused. */
export function importRequested(s: ImportState): ImportState {
  return { ...s, phase: 'starting', progress: null, result: '', error: '' }
}

/** The engine accepted the request. If the import has already ended (its event came first), it stays ended. */
export function importAccepted(s: ImportState): ImportState {
  return s.phase === 'starting' ? { ...s, phase: 'running' } : s
}

/** The engine refused the request (another import is running, no project, a bad payload). */
export function importRefused(s: ImportState, message: string): ImportState {
  return { ...s, phase: 'idle', error: message }
}

/** Progress of any import (this page's, or one started elsewhere) shows and locks the form; the end unlocks it. */
export function applyImportEvent(s: ImportState, e: ProgressEvent | FinishedEvent): ImportState {
  if (e.type === 'import-progress') return { ...s, phase: 'running', progress: e }
  if (e.error) return { ...s, phase: 'idle', error: e.error, result: '' }
  const how = e.status === 'cancelled' ? 'Cancelled' : 'Done'
  return {
    ...s,
    phase: 'idle',
    error: '',
    result: `${how}: ${e.imported} imported, ${plural(e.duplicates, 'duplicate')}, ${plural(e.errors, 'error')}`,
  }
}

/** Whether the Import button can start one now. */
export const canStartImport = (s: ImportState, source: string): boolean => s.phase === 'idle' && source.trim() !== ''
