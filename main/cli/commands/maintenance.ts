import type { Command } from 'commander'
import type { CheckDto } from '../../../preload/contract'
import { backupProject } from '../../engine/maintenance/backup'
import { checkProject } from '../../engine/maintenance/check'
import { restoreProject } from '../../engine/maintenance/restore'
import { plural } from '../../engine/plural'
import { withStudio } from '../context'
import { common, emit, ExitCode, EXIT, type CommonOptions } from '../output'

/** `studio check`, `studio backup <file>`, `studio restore <file> <dir>`. */
export function registerMaintenance(program: Command): void {
  common(program.command('check'))
    .description(
      'verify the project: the database (integrity check), every original against its SHA-256, the thumbnails ' +
        '(missing ones are made again); lists what it could not repair and exits 1 then',
    )
    .action((opts: CommonOptions) =>
      withStudio(opts, async (s) => {
        const tty = process.stderr.isTTY
        const result = await checkProject(s, {
          onProgress: tty ? (p) => process.stderr.write(`\rchecking ${p.done}/${p.total} images`) : undefined,
        })
        if (tty) process.stderr.write('\n')
        emit(opts, result, humanCheck)
        if (result.problems.length) throw new ExitCode(EXIT.error)
      }),
    )

  common(program.command('backup'))
    .description(
      'write a consistent snapshot of the project (database, originals, thumbnails, runs) to one tar file; ' +
        'safe while Studio or `studio serve` has the project open',
    )
    .argument('<file>', 'new file to write, e.g. project-backup.tar')
    .action(async (file: string, opts: CommonOptions) => {
      const tty = process.stderr.isTTY
      const r = await backupProject(opts.project, file, {
        onProgress: tty ? (p) => process.stderr.write(`\rbacking up ${p.done}/${p.total}`) : undefined,
      })
      if (tty) process.stderr.write('\n')
      emit(opts, r, (v) =>
        [
          `Backed up ${plural(v.images, 'image')} and ${plural(v.runs, 'run')} to ${v.file} ` +
            `(${(v.bytes / 1e6).toFixed(1)} MB, ${plural(v.files, 'file')}, ${v.seconds.toFixed(1)} s)`,
          ...(v.missing.length
            ? [`Not in the backup (could not be read): ${v.missing.join(', ')} — run \`studio check\``]
            : []),
        ].join('\n'),
      )
    })

  program
    .command('restore')
    .description('restore a backup into a new or empty folder (a non-empty folder is refused)')
    .argument('<file>', 'backup file written by `studio backup`')
    .argument('<dir>', 'folder for the restored project (new or empty)')
    .option('--json', 'print one machine-readable JSON object instead of text')
    .action(async (file: string, dir: string, opts: { json?: boolean }) => {
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
  if (r.gpsCounted) lines.push(`GPS           counted for ${plural(r.gpsCounted, 'earlier image')}`)
  if (!r.problems.length) lines.push('Nothing to repair.')
  else {
    lines.push(`Could not repair ${plural(r.problems.length, 'problem')}:`)
    for (const p of r.problems) lines.push(`  ${p.kind}: ${p.file} — ${p.detail}`)
  }
  return lines.join('\n')
}
