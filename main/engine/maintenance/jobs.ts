import fs from 'node:fs'
import type { BackupDto, CheckDto } from '../../../preload/contract'
import { ConflictError } from '../errors'
import type { Jobs } from '../jobs'
import { plural } from '../plural'
import type { Studio } from '../studio'
import { defaultBackupFile, prepareBackup, writeBackup } from './backup'
import { checkProject } from './check'

/**
 * The check and the backup as the app runs them: background jobs ('check', 'backup') with progress
 * ("n of N originals verified"), cancel through cancelJob, and their result in one event before the
 * job's end. What makes a backup impossible is refused by the start request, before the job.
 */

/** Starts the 'check' job; `onResult` gets its result, also a cancelled check's (complete: false). */
export function startCheckJob(studio: Studio, jobs: Jobs, onResult: (r: CheckDto) => void): { started: true } {
  if (jobs.isRunning('check')) throw new ConflictError('a check is already running; wait or cancel it')
  void jobs.start('check', async ({ signal, progress }) => {
    progress(0, studio.store.images.total(), 'checking the database')
    // Let that message out before the integrity check holds this thread (a second or two at 100,000 images).
    await new Promise((resolve) => setImmediate(resolve))
    const result = await checkProject(studio, {
      signal,
      onProgress: (p) => progress(p.done, p.total, `${p.done} of ${plural(p.total, 'original')} verified`),
    })
    onResult(result)
  })
  return { started: true }
}

/** Where the app proposes to write a backup, and whether something is there already. */
export function backupTarget(studio: Studio): { file: string; exists: boolean } {
  const file = defaultBackupFile(studio.root)
  return { file, exists: fs.existsSync(file) }
}

/** Checks the destination (refusals name it), then writes the backup as the 'backup' job. */
export function startBackupJob(
  studio: Studio,
  jobs: Jobs,
  req: { path: string; overwrite?: boolean },
  onResult: (r: BackupDto) => void,
): { started: true; file: string } {
  if (jobs.isRunning('backup')) throw new ConflictError('a backup is already running; wait or cancel it')
  const prep = prepareBackup(studio.root, req.path, { overwrite: req.overwrite === true })
  const nativeBinding = studio.openOptions.nativeBinding
  void jobs.start('backup', async ({ signal, progress }) => {
    progress(0, 0, 'copying the database')
    await new Promise((resolve) => setImmediate(resolve))
    const result = await writeBackup(prep, {
      signal,
      nativeBinding,
      onProgress: (p) =>
        progress(p.done, p.total, `${p.done} of ${plural(p.total, 'image and run', 'images and runs')}`),
    })
    onResult(result)
  })
  return { started: true, file: prep.target }
}
