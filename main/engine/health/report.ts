import type { HealthDto, RequestOf } from '../../../preload/contract'
import { StudioError } from '../errors'
import type { Jobs } from '../jobs'
import type { Studio } from '../studio'

/** The health report request without its "no payload" forms. */
export type HealthRequest = Exclude<RequestOf<'health'>, void | null | undefined>

/**
 * The data health report of the open project (issue 12, section 1). `jobs` lets it start the
 * signal backfill for images imported before signals existed.
 */
export async function healthReport(studio: Studio, req: HealthRequest, jobs: Jobs | null): Promise<HealthDto> {
  void studio
  void req
  void jobs
  throw new StudioError('the health report is being built (not available yet)')
}
