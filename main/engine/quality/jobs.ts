import type { LabelChangeDto, LabelQueueDto, RequestOf, SuspectsDto } from '../../../preload/contract'
import { StudioError } from '../errors'
import type { Jobs } from '../jobs'
import type { Studio } from '../studio'

/** Where the service's quality requests land (issue 12, sections 2–4). */
export interface QualityContext {
  studio: Studio
  jobs: Jobs
  /** Folder of pretrained backbones (setting); null: STUDIO_MODELS_DIR or ~/.studio/models. */
  modelsDir: string | null
}

const notYet = () => new StudioError('label quality tools are being built (not available yet)')

/** Scores every project image with a finished run, as the 'score' job. */
export function startScoringJob(ctx: QualityContext, runId: number): { started: true } {
  void ctx
  void runId
  throw notYet()
}

/** Cross-validated label check of every labeled image, as the 'label-check' job. */
export function startLabelCheckJob(ctx: QualityContext, backbone: string | null): { started: true } {
  void ctx
  void backbone
  throw notYet()
}

export function suspects(ctx: QualityContext, limit: number | null): SuspectsDto {
  void ctx
  void limit
  throw notYet()
}

export function decideSuspect(ctx: QualityContext, req: RequestOf<'decideSuspect'>): LabelChangeDto {
  void ctx
  void req
  throw notYet()
}

export function labelQueue(ctx: QualityContext, by: LabelQueueDto['by'], limit: number): LabelQueueDto {
  void ctx
  void by
  void limit
  throw notYet()
}
