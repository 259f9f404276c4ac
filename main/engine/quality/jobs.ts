import type { LabelChangeDto, LabelQueueDto, RequestOf, SuspectsDto } from '../../../preload/contract'
import type { Jobs } from '../jobs'
import type { Studio } from '../studio'
import { nowIso } from '../util'
import { planLabelCheck } from './check'
import { checkOffThread, scoreOffThread } from './off-thread'
import { labelQueue as queue } from './queue'
import { checkScorable } from './scoring'
import { decide, DEFAULT_SUSPECT_LIMIT, latestCheck, listSuspects } from './suspects'

/** Where the service's quality requests land (issue 12, sections 2–4). */
export interface QualityContext {
  studio: Studio
  jobs: Jobs
  /** Folder of pretrained backbones (setting); null: STUDIO_MODELS_DIR or ~/.studio/models. */
  modelsDir: string | null
}

/**
 * Scores every project image with a finished run, as the 'score' job in a worker thread. What
 * makes it impossible (no such run, unfinished, no model) is refused here, before the job starts.
 */
export function startScoringJob(ctx: QualityContext, runId: number): { started: true } {
  checkScorable(ctx.studio, runId)
  void ctx.jobs.start('score', async ({ signal, progress }) => {
    await scoreOffThread(ctx.studio, runId, { signal, onProgress: progress })
  })
  return { started: true }
}

/**
 * Cross-validated label check of every labeled image, as the 'label-check' job in a worker
 * thread. No backbone, a missing one or fewer than two labeled classes are refused here, with
 * the message saying why. A check whose thread is stopped is marked cancelled (or failed).
 */
export function startLabelCheckJob(ctx: QualityContext, backbone: string | null): { started: true } {
  planLabelCheck(ctx.studio, backbone, ctx.modelsDir)
  void ctx.jobs.start('label-check', async ({ signal, progress }) => {
    let checkId: number | null = null
    try {
      await checkOffThread(
        ctx.studio,
        { backbone, modelsDir: ctx.modelsDir },
        { signal, onProgress: progress, onCheck: (id) => (checkId = id) },
      )
    } catch (err) {
      // The thread records its own failures; this covers one terminated before it could.
      if (checkId !== null)
        ctx.studio.store.quality.finishCheck(checkId, signal.aborted ? 'cancelled' : 'failed', nowIso())
      throw err
    }
  })
  return { started: true }
}

/** The latest fresh check's undecided suspects (at most `limit`, default DEFAULT_SUSPECT_LIMIT). */
export function suspects(ctx: QualityContext, limit: number | null): SuspectsDto {
  return listSuspects(ctx.studio, limit ?? DEFAULT_SUSPECT_LIMIT)
}

export function decideSuspect(ctx: QualityContext, req: RequestOf<'decideSuspect'>): LabelChangeDto {
  return decide(ctx.studio, req)
}

export function labelQueue(ctx: QualityContext, by: LabelQueueDto['by'], limit: number): LabelQueueDto {
  return queue(ctx.studio, by, limit)
}

/** False when the Browse "suspects" filter must show nothing: no check yet, or the labels changed since. */
export function suspectsFresh(ctx: QualityContext): boolean {
  return latestCheck(ctx.studio)?.fresh ?? false
}
