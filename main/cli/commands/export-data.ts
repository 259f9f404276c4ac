import path from 'node:path'
import cliProgress from 'cli-progress'
import type { Command } from 'commander'
import { parseDataFormat, parseSplitLayout, type DataFormat, type SplitLayout } from '../../engine/export-data/options'
import { withStudio } from '../context'
import { common, emit, EXIT, ExitCode, type CommonOptions } from '../output'
import { parseId } from './project'

interface ExportDataCliOptions extends CommonOptions {
  format: DataFormat
  version?: number
  originals?: boolean
  splits: SplitLayout
  run?: number
  zip?: boolean
}

const HELP = `
Formats:
  folders      <split>/<class>/<file> (or <class>/<file>): torchvision ImageFolder, FiftyOne
               ImageClassificationDirectoryTree, Keras image_dataset_from_directory. Unlabeled images are left out.
  csv          images/ + labels.csv (path,label[,split][,attribute…]); studio import reads it back.
  labelstudio  images/ + tasks.json (choices annotations; --run adds the run's predictions) + label-config.xml.
  coco         images/ + annotations.json (images, categories, annotations with category_id; split per image).

Without --version the current labels are exported (unlabeled images too, where the format has room; no splits).
Images are re-encoded in their own format with EXIF, GPS, XMP and IPTC removed and the EXIF orientation applied;
--originals copies the stored files byte for byte instead. manifest.json lists every file with its sha256.`

export function registerExportData(program: Command): void {
  common(program.command('export-data'))
    .description('export the images and their labels as a dataset for other tools (a new or empty folder)')
    .argument('<dir>', 'new or empty folder to write (with --zip: <dir>.zip is written instead)')
    .option('--format <format>', 'folders | csv | labelstudio | coco', parseDataFormat, 'folders')
    .option('--version <n>', 'a dataset version (its labels and splits); default: the current labels', parseId)
    .option('--originals', 'copy the original files byte for byte (metadata such as GPS kept)')
    .option(
      '--splits <layout>',
      'a version’s splits as folders (train/…) or only as a column',
      parseSplitLayout,
      'folders',
    )
    .option('--run <n>', 'add this finished run’s predictions to Label Studio tasks (labelstudio)', parseId)
    .option('--zip', 'write <dir>.zip (streamed to disk) instead of the folder')
    .addHelpText('after', HELP)
    .action((dir: string, opts: ExportDataCliOptions) =>
      withStudio(opts, async (studio) => {
        const { exportData, summaryLine } = await import('../../engine/export-data/export-data')
        const controller = new AbortController()
        const onSigint = () => {
          if (controller.signal.aborted) process.exit(EXIT.cancelled)
          process.stderr.write('\nCancelling; nothing is left behind… (Ctrl-C again to stop at once)\n')
          controller.abort()
        }
        process.on('SIGINT', onSigint)
        const bar = progressBar(!opts.json && process.stderr.isTTY)
        try {
          // On the command line a relative folder means one below the current folder.
          const result = await exportData(
            studio,
            path.resolve(dir),
            {
              format: opts.format,
              versionId: opts.version ?? null,
              originals: Boolean(opts.originals),
              splits: opts.splits,
              runId: opts.run ?? null,
              zip: Boolean(opts.zip),
            },
            bar.update,
            controller.signal,
          )
          bar.stop()
          emit(opts, result, (r) =>
            [`Exported ${summaryLine(r)}`, `  files: ${r.files.join(', ')}, images in ${imagesWhere(r.format)}`].join(
              '\n',
            ),
          )
        } catch (err) {
          bar.stop()
          if (!controller.signal.aborted) throw err
          process.stderr.write('Cancelled: nothing was written.\n')
          throw new ExitCode(EXIT.cancelled)
        } finally {
          process.off('SIGINT', onSigint)
        }
      }),
    )
}

function imagesWhere(format: DataFormat): string {
  return format === 'folders' ? 'class folders' : 'images/'
}

/** A bar on stderr when it is a terminal; silent otherwise (the summary says what was done). */
function progressBar(enabled: boolean): {
  update: (done: number, total: number, message?: string | null) => void
  stop: () => void
} {
  if (!enabled) return { update: () => {}, stop: () => {} }
  const bar = new cliProgress.SingleBar(
    { format: 'Exporting [{bar}] {value}/{total} | {message}', stream: process.stderr, hideCursor: true },
    cliProgress.Presets.shades_classic,
  )
  let started = false
  let stopped = false
  return {
    update: (done, total, message) => {
      const payload = { message: (message ?? '').slice(0, 40) }
      if (!started) {
        bar.start(total, done, payload)
        started = true
      } else bar.update(done, payload)
    },
    stop: () => {
      if (started && !stopped) bar.stop()
      stopped = true
    },
  }
}
