import { ConflictError } from '../errors'
import type { Jobs } from '../jobs'
import type { Studio } from '../studio'
import { checkDataDestination } from './destination'
import { exportData } from './export-data'
import { checkSources } from './rows'
import { withDefaults, type DataExportOptions } from './options'

/**
 * Starts a dataset export as the project's 'export-data' job (job-progress events, cancel through
 * cancelJob). What makes it impossible is refused here, before the job starts: one already
 * running, bad options, a destination that is not new or empty, inside the project, or unwritable.
 * The job's last progress message is the summary (images, classes, splits, size, where).
 */
export function startDataExportJob(
  studio: Studio,
  jobs: Jobs,
  req: DataExportOptions & { dir: string },
): { started: true; dir: string | null; zip: string | null } {
  if (jobs.isRunning('export-data')) throw new ConflictError('a dataset export is already running; wait or cancel it')
  const { dir, ...opts } = req
  const o = withDefaults(opts)
  checkSources(studio, o)
  const dest = checkDataDestination(studio.project.paths, dir, o.zip)
  void jobs.start('export-data', async ({ signal, progress }) => {
    await exportData(studio, dir, o, progress, signal)
  })
  return { started: true, dir: o.zip ? null : dest.dir, zip: dest.zip }
}
