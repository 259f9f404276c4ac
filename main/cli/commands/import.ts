import cliProgress from 'cli-progress'
import type { Command } from 'commander'
import { ValidationError } from '../../engine/errors'
import type { ImportProgress } from '../../engine/media/importer'
import type { FolderLayout } from '../../engine/media/scan'
import { plural } from '../../engine/plural'
import { withStudio } from '../context'
import { common, emit, EXIT, ExitCode, table, type CommonOptions } from '../output'
import { parseId } from './project'

interface ImportCliOptions extends CommonOptions {
  layout: string
  concurrency?: number
  maxPixels?: number
}

export function registerImport(program: Command): void {
  common(program.command('import'))
    .description(
      'import images from a folder (subfolders are class names; train/ants → class ants, origin train), ' +
        'a flat folder of unlabeled images, or a CSV of path,label rows relative to the CSV. ' +
        'Re-running continues an interrupted import and adds no duplicates.',
    )
    .argument('<source>', 'folder or .csv file')
    .option('--layout <layout>', 'auto (subfolders are classes) | flat (everything unlabeled)', 'auto')
    .option('--concurrency <n>', 'files processed at once', parseId)
    .option('--max-pixels <n>', 'refuse images larger than this many pixels (default 100000000)', parseId)
    .action((source: string, opts: ImportCliOptions) =>
      withStudio(opts, async (studio) => {
        const layout = parseLayout(opts.layout)
        const controller = new AbortController()
        const onSigint = () => {
          if (controller.signal.aborted) process.exit(EXIT.cancelled)
          process.stderr.write('\nCancelling after the files in progress… (Ctrl-C again to stop at once)\n')
          controller.abort()
        }
        process.on('SIGINT', onSigint)
        const bar = progressBar(!opts.json && process.stderr.isTTY)
        try {
          const summary = await studio.import(source, {
            layout,
            concurrency: opts.concurrency,
            maxPixels: opts.maxPixels,
            signal: controller.signal,
            onProgress: bar.update,
          })
          bar.stop()
          const errors = studio.importErrors(summary.batchId)
          const out = {
            ...summary,
            classes: studio.stats().classes,
            errorList: errors.map((e) => ({ path: e.path, reason: e.reason })),
          }
          emit(opts, out, (v) =>
            [
              `${v.status === 'cancelled' ? 'Cancelled' : 'Imported'}: ` +
                `${plural(v.imported, 'new image')} from ${v.source}` +
                `${v.resumed ? ' (continued an interrupted import)' : ''} in ${v.seconds.toFixed(1)} s`,
              `  seen ${v.seen}, duplicates ${v.duplicates}, errors ${v.errors}, non-image files ignored ${v.ignored}`,
              Object.keys(v.classes).length
                ? `Classes: ${Object.entries(v.classes)
                    .map(([n, c]) => `${n} ${c}`)
                    .join(', ')}`
                : 'No classes (images are unlabeled)',
              ...(v.errorList.length
                ? ['Errors:', table(v.errorList.map((e) => ['  ' + JSON.stringify(e.path), e.reason]))]
                : []),
              ...(v.status === 'cancelled' ? ['Run the same command again to continue.'] : []),
            ].join('\n'),
          )
          if (summary.status === 'cancelled') throw new ExitCode(EXIT.cancelled)
        } finally {
          bar.stop()
          process.off('SIGINT', onSigint)
        }
      }),
    )
}

function parseLayout(v: string): FolderLayout {
  if (v === 'auto' || v === 'flat') return v
  throw new ValidationError(`--layout must be auto or flat (got ${JSON.stringify(v)})`)
}

/** A progress bar on stderr when it is a terminal; silent otherwise. */
function progressBar(enabled: boolean): { update: (p: ImportProgress) => void; stop: () => void } {
  if (!enabled) return { update: () => {}, stop: () => {} }
  const bar = new cliProgress.SingleBar(
    {
      format: 'Importing [{bar}] {value}/{total} | {rate}/s | dup {duplicates} | err {errors} | {current}',
      stream: process.stderr,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  )
  let started = false
  let stopped = false
  return {
    update: (p) => {
      const payload = {
        rate: p.rate.toFixed(0),
        duplicates: p.duplicates,
        errors: p.errors,
        current: (p.current ?? '').slice(-40),
      }
      if (!started) {
        bar.start(p.total, p.done, payload)
        started = true
      } else bar.update(p.done, payload)
    },
    stop: () => {
      if (started && !stopped) bar.stop()
      stopped = true
    },
  }
}
