import path from 'node:path'
import cliProgress from 'cli-progress'
import type { Command } from 'commander'
import type { CheckDto } from '../../../preload/contract'
import { plural } from '../../engine/plural'
import { withStudio } from '../context'
import { common, emit, ExitCode, EXIT, type CommonOptions } from '../output'

/** `studio check`, `studio backup [file]`, `studio restore <file> <dir>`. */
export function registerMaintenance(program: Command): void {
  common(program.command('check'))
    .description(
      'verify the project: the database (integrity check), every original against its SHA-256, the thumbnails ' +
        '(missing ones are made again); lists what it repaired and what it could not, and exits 1 when something ' +
        'is left unrepaired (130 when cancelled with Ctrl-C). A progress bar on a terminal; --json prints only the result',
    )
    .action((opts: CommonOptions) =>
      withStudio(opts, async (s) => {
        // Engine parts load when the command runs (sharp, the store's snapshot), not for `studio --help`.
        const { checkProject } = await import('../../engine/maintenance/check')
        const cancel = onCtrlC('Stopping after the files being read; what was checked is reported…')
        const bar = progressBar(
          !opts.json && process.stderr.isTTY,
          'Checking [{bar}] {value}/{total} originals verified',
        )
        try {
          const result = await checkProject(s, {
            signal: cancel.signal,
            onProgress: (p) => bar.update(p.done, p.total),
          })
          bar.stop()
          emit(opts, result, humanCheck)
          if (!result.complete) throw new ExitCode(EXIT.cancelled)
          if (result.problems.length) throw new ExitCode(EXIT.error)
        } finally {
          bar.stop()
          cancel.done()
        }
      }),
    )

  common(program.command('backup'))
    .description(
      'write a consistent snapshot of the project (database, originals, thumbnails, runs) to one tar file; ' +
        'safe while Studio or `studio serve` has the project open',
    )
    .argument('[file]', 'new file to write (default: <project>-backup-<date>.tar beside the project folder)')
    .option('--overwrite', 'replace the file if it is an earlier Studio backup (anything else is never replaced)')
    .action(async (file: string | undefined, opts: CommonOptions & { overwrite?: boolean }) => {
      const { defaultBackupFile, prepareBackup, writeBackup } = await import('../../engine/maintenance/backup')
      const target = file ? path.resolve(file) : defaultBackupFile(opts.project)
      const prep = prepareBackup(opts.project, target, { overwrite: Boolean(opts.overwrite) })
      const cancel = onCtrlC('Cancelling; the partial file is removed…')
      const bar = progressBar(!opts.json && process.stderr.isTTY, 'Backing up [{bar}] {value}/{total} images and runs')
      try {
        const r = await writeBackup(prep, { signal: cancel.signal, onProgress: (p) => bar.update(p.done, p.total) })
        bar.stop()
        emit(opts, r, (v) =>
          [
            `Backed up ${plural(v.images, 'image')} and ${plural(v.runs, 'run')} to ${v.file} ` +
              `(${(v.bytes / 1e6).toFixed(1)} MB, ${plural(v.files, 'file')}, ${v.seconds.toFixed(1)} s` +
              `${v.replaced ? ', replacing the earlier backup' : ''})`,
            ...(v.missing.length
              ? [`Not in the backup (could not be read): ${v.missing.join(', ')} — run \`studio check\``]
              : []),
            `To restore: studio restore ${v.file} <new folder>`,
          ].join('\n'),
        )
      } catch (err) {
        bar.stop()
        if (!cancel.signal.aborted) throw err
        process.stderr.write('Cancelled: no backup was written.\n')
        throw new ExitCode(EXIT.cancelled)
      } finally {
        cancel.done()
      }
    })

  program
    .command('restore')
    .description('restore a backup into a new or empty folder (a non-empty folder is refused)')
    .argument('<file>', 'backup file written by `studio backup`')
    .argument('<dir>', 'folder for the restored project (new or empty)')
    .option('--json', 'print one machine-readable JSON object instead of text')
    .action(async (file: string, dir: string, opts: { json?: boolean }) => {
      const { restoreProject } = await import('../../engine/maintenance/restore')
      const r = await restoreProject(file, dir)
      emit(
        opts,
        r,
        (v) =>
          `Restored ${plural(v.images, 'image')} and ${plural(v.runs, 'run')} into ${v.project} ` +
          `(${plural(v.files, 'file')} checked against the backup's SHA-256s)`,
      )
    })
}

function humanCheck(r: CheckDto): string {
  const lines = [
    `Database      ${r.database === 'ok' ? 'ok (integrity check, foreign keys)' : 'DAMAGED'}`,
    `Originals     ${r.originalsOk} of ${r.images} match their SHA-256` +
      (r.repairedOriginals ? `; ${r.repairedOriginals} restored from their import source` : ''),
    `Thumbnails    ${r.repairedThumbnails ? `${r.repairedThumbnails} made again` : 'all present'}`,
  ]
  if (!r.complete) lines.push(`Cancelled     after ${r.checked} of ${plural(r.images, 'image')}; the rest is unchecked`)
  if (r.gpsCounted) lines.push(`GPS           counted for ${plural(r.gpsCounted, 'earlier image')}`)
  if (r.repaired.length) {
    lines.push(`Repaired ${plural(r.repaired.length, 'file')}:`)
    for (const f of r.repaired)
      lines.push(`  ${f.kind}: ${f.name ?? `image ${f.imageId}`} — ${f.file}${f.from ? ` (from ${f.from})` : ''}`)
  }
  if (!r.problems.length) lines.push(r.complete ? 'Nothing left to repair.' : 'Nothing unrepaired so far.')
  else {
    lines.push(`Could not repair ${plural(r.problems.length, 'problem')}:`)
    for (const p of r.problems) lines.push(`  ${p.kind}: ${p.file}${p.name ? ` (${p.name})` : ''} — ${p.detail}`)
  }
  return lines.join('\n')
}

/** Ctrl-C aborts the signal (the command then reports and exits 130); a second Ctrl-C stops at once. */
function onCtrlC(say: string): { signal: AbortSignal; done: () => void } {
  const controller = new AbortController()
  const handler = () => {
    if (controller.signal.aborted) process.exit(EXIT.cancelled)
    process.stderr.write(`\n${say} (Ctrl-C again to stop at once)\n`)
    controller.abort()
  }
  process.on('SIGINT', handler)
  return { signal: controller.signal, done: () => process.off('SIGINT', handler) }
}

/** A bar on stderr when it is a terminal; silent otherwise (the summary says what was done). */
function progressBar(
  enabled: boolean,
  format: string,
): { update: (done: number, total: number) => void; stop: () => void } {
  if (!enabled) return { update: () => {}, stop: () => {} }
  const bar = new cliProgress.SingleBar(
    { format, stream: process.stderr, hideCursor: true },
    cliProgress.Presets.shades_classic,
  )
  let started = false
  let stopped = false
  return {
    update: (done, total) => {
      if (stopped) return
      if (!started) {
        bar.start(total, done)
        started = true
      } else bar.update(done)
    },
    stop: () => {
      if (started && !stopped) bar.stop()
      stopped = true
    },
  }
}
