import { entryOf, startThread } from '../entries'
import { StudioError } from '../errors'
import type { FeatureDupsResult } from '../health/feature-job'
import type { Studio } from '../studio'
import type { CheckOutcome } from './check'
import type { ScoreOutcome } from './scoring'

/** What the quality thread is given (as workerData). */
export type QualityJob = { root: string; openOptions: Studio['openOptions'] } & (
  | { kind: 'score'; runId: number }
  | { kind: 'label-check'; backbone: string | null; modelsDir: string | null }
  | { kind: 'feature-dups' }
)

/** Messages from the thread: progress, the check's id once it exists, and one final answer. */
export type QualityMessage =
  | { type: 'progress'; done: number; total: number; message: string | null }
  | { type: 'check'; id: number }
  | { type: 'done'; kind: 'score'; result: ScoreOutcome }
  | { type: 'done'; kind: 'label-check'; result: CheckOutcome }
  | { type: 'done'; kind: 'feature-dups'; result: FeatureDupsResult | null }
  | { type: 'error'; error: { name: string; message: string; engine: boolean } }

export interface ThreadHooks {
  signal: AbortSignal
  onProgress: (done: number, total: number, message: string | null) => void
  onCheck?: (id: number) => void
}

/** A cancelled thread that did not stop by itself within this long is terminated. */
const CANCEL_GRACE_MS = 2000

/** An engine error raised in the thread, raised again here under its own name (so it maps to its status). */
class QualityThreadError extends StudioError {
  constructor(name: string, message: string) {
    super(message)
    this.name = name
  }
}

/** Scores a run's images in a worker thread (scoring.ts `scoreRun`). */
export async function scoreOffThread(studio: Studio, runId: number, hooks: ThreadHooks): Promise<ScoreOutcome> {
  const reply = await runInThread({ root: studio.root, openOptions: studio.openOptions, kind: 'score', runId }, hooks)
  if (reply.kind !== 'score') throw new Error('the quality thread answered for another job')
  return reply.result
}

/** Runs and stores a label check in a worker thread (check.ts `runLabelCheck`). */
export async function checkOffThread(
  studio: Studio,
  opts: { backbone: string | null; modelsDir: string | null },
  hooks: ThreadHooks,
): Promise<CheckOutcome> {
  const job: QualityJob = { root: studio.root, openOptions: studio.openOptions, kind: 'label-check', ...opts }
  const reply = await runInThread(job, hooks)
  if (reply.kind !== 'label-check') throw new Error('the quality thread answered for another job')
  return reply.result
}

/** Near-duplicate groups by cached backbone features in a worker thread (health/feature-job.ts). */
export async function featureDupsOffThread(studio: Studio, hooks: ThreadHooks): Promise<FeatureDupsResult | null> {
  const job: QualityJob = { root: studio.root, openOptions: studio.openOptions, kind: 'feature-dups' }
  const reply = await runInThread(job, hooks)
  if (reply.kind !== 'feature-dups') throw new Error('the quality thread answered for another job')
  return reply.result
}

/**
 * Starts the thread and resolves with its answer. Cancelling asks the thread to stop at its next
 * chunk or fold; one busy in a long step is terminated after a grace period (each chunk it wrote is
 * its own transaction, so nothing half-written stays).
 */
function runInThread(job: QualityJob, hooks: ThreadHooks): Promise<Extract<QualityMessage, { type: 'done' }>> {
  return new Promise((resolve, reject) => {
    const thread = startThread(entryOf('quality-worker', import.meta.url), { workerData: job })
    let settled = false
    let timer: NodeJS.Timeout | null = null
    const settle = (fn: () => void) => {
      if (settled) return
      settled = true
      hooks.signal.removeEventListener('abort', onAbort)
      if (timer) clearTimeout(timer)
      fn()
      void thread.terminate()
    }
    const onAbort = () => {
      thread.postMessage({ type: 'cancel' })
      timer = setTimeout(() => settle(() => reject(hooks.signal.reason)), CANCEL_GRACE_MS)
    }
    hooks.signal.addEventListener('abort', onAbort, { once: true })
    if (hooks.signal.aborted) onAbort()
    thread.on('message', (m: QualityMessage) => {
      if (m.type === 'progress') hooks.onProgress(m.done, m.total, m.message)
      else if (m.type === 'check') hooks.onCheck?.(m.id)
      else if (m.type === 'done') settle(() => resolve(m))
      else
        settle(() =>
          reject(m.error.engine ? new QualityThreadError(m.error.name, m.error.message) : new Error(m.error.message)),
        )
    })
    thread.once('error', (err) => settle(() => reject(err)))
    thread.once('exit', (code) =>
      settle(() => reject(new Error(`the quality thread stopped (exit code ${code}) before it answered`))),
    )
  })
}
