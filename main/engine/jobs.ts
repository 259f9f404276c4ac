import type { JobKind, StudioEvent } from '../../preload/contract'
import { ConflictError, errorMessage } from './errors'

/** What a job's body gets: a cancel signal and a progress reporter. */
export interface JobContext {
  signal: AbortSignal
  progress(done: number, total: number, message?: string | null): void
}

/**
 * Background jobs of one open project besides import and training (scoring, label checks, the
 * signal backfill): at most one per kind, reported as job-progress / job-finished events,
 * cancelled through an AbortSignal. The body must yield (await) often enough that requests keep
 * being answered; heavy compute belongs in a worker.
 */
export class Jobs {
  private readonly running = new Map<JobKind, AbortController>()
  private lastProgress = new Map<JobKind, number>()

  constructor(private readonly onEvent: (e: StudioEvent) => void) {}

  /** Starts `body` as the `kind` job; refused while one of that kind runs. Resolves when it ends. */
  start(kind: JobKind, body: (ctx: JobContext) => Promise<void>): Promise<void> {
    if (this.running.has(kind))
      throw new ConflictError(`${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind} job is already running`)
    const controller = new AbortController()
    this.running.set(kind, controller)
    const progress = (done: number, total: number, message: string | null = null) => {
      // At most ~10 events a second, but always the last one.
      const now = Date.now()
      if (done < total && now - (this.lastProgress.get(kind) ?? 0) < 100) return
      this.lastProgress.set(kind, now)
      this.onEvent({ type: 'job-progress', kind, done, total, message })
    }
    const finish = (status: 'done' | 'cancelled' | 'failed', error: string | null) => {
      this.running.delete(kind)
      this.onEvent({ type: 'job-finished', kind, status, error })
    }
    return body({ signal: controller.signal, progress }).then(
      () => finish(controller.signal.aborted ? 'cancelled' : 'done', null),
      (err: unknown) => finish(controller.signal.aborted ? 'cancelled' : 'failed', errorMessage(err)),
    )
  }

  isRunning(kind: JobKind): boolean {
    return this.running.has(kind)
  }

  cancel(kind: JobKind): boolean {
    const c = this.running.get(kind)
    c?.abort()
    return c !== undefined
  }

  cancelAll(): void {
    for (const c of this.running.values()) c.abort()
  }

  /** What runs, for the session's "busy" answer; null when nothing does. */
  busy(): string | null {
    // The backfill and the feature grouping start by themselves and hold nothing a user waits on.
    const kind = [...this.running.keys()].find((k) => k !== 'backfill' && k !== 'feature-dups')
    return kind ? `${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind} job is running` : null
  }
}
