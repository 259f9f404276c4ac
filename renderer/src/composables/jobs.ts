import type { JobKind, StudioEvent } from '../../../preload/contract'
import { pct0 } from './format'

type JobEvent = Extract<StudioEvent, { type: 'job-progress' | 'job-finished' }>

/** What the page knows of one background job (scoring, label check, signal backfill). */
export interface JobState {
  kind: JobKind
  status: 'starting' | 'running' | 'done' | 'cancelled' | 'failed'
  done: number
  /** 0 until the engine reports how much there is. */
  total: number
  message: string | null
  error: string | null
}

export const idleJob = (kind: JobKind): JobState => ({
  kind,
  status: 'starting',
  done: 0,
  total: 0,
  message: null,
  error: null,
})

/** Whether the job occupies its kind: the engine runs one job per kind, so the start button waits. */
export const jobActive = (j: JobState | undefined): boolean => j?.status === 'starting' || j?.status === 'running'

/**
 * The job after an event. Progress after an end is a new job of that kind (started in another tab):
 * events of one project arrive in the order the engine sent them.
 */
export function applyJobEvent(prev: JobState | undefined, e: JobEvent): JobState {
  const base = prev ?? idleJob(e.kind)
  if (e.type === 'job-finished') return { ...base, status: e.status, error: e.error }
  return { ...base, status: 'running', done: e.done, total: e.total, message: e.message, error: null }
}

/**
 * The start request came back refused: the job never ran. Unless an event already told more (a fast
 * job can finish before its start reply arrives), it failed with the refusal's message.
 */
export function jobRefused(prev: JobState | undefined, kind: JobKind, message: string): JobState {
  if (prev && prev.status !== 'starting') return prev
  return { ...idleJob(kind), status: 'failed', error: message }
}

/** "120 / 480 (25 %) · extracting features"; "starting…" before the first progress event. */
export function jobProgressText(j: JobState): string {
  if (j.status === 'starting' || j.total === 0) return j.message ?? 'starting…'
  const share = pct0(Math.min(1, j.done / j.total))
  return `${j.done} / ${j.total} (${share})${j.message ? ` · ${j.message}` : ''}`
}

/** How a finished job ended, in words; '' while it runs. */
export function jobEndText(j: JobState, what: string): string {
  if (j.status === 'done') return `${what} finished.`
  if (j.status === 'cancelled') return `${what} cancelled.`
  if (j.status === 'failed') return `${what} failed: ${j.error ?? 'unknown error'}`
  return ''
}
