import fs from 'node:fs'
import path from 'node:path'
import cliProgress from 'cli-progress'
import type { ExportDto, ExportFormatDto } from '../../../preload/contract'
import { prepareModelExport, runModelExport, type ModelExportRequest } from '../../engine/export/export-job'
import { MANIFEST_FILE } from '../../engine/export/manifest'
import { diffText, sizeText } from '../../engine/export/model-card-export'
import type { Studio } from '../../engine/studio'
import { EXIT, ExitCode, table, type CommonOptions } from '../output'

/**
 * `studio export`'s run and output: the same job the page starts (write, self-test in a fresh
 * process, card, export.json, zip, then the names), with progress on stderr, one line per format's
 * self-test, and exit code 1 when a format failed it. `--json` prints export.json. Ctrl-C cancels,
 * leaving nothing behind.
 */
export async function exportCommand(
  s: Studio,
  req: Omit<ModelExportRequest, 'dir'> & { dir: string },
  opts: CommonOptions,
): Promise<void> {
  // On the command line a relative folder means one below the current folder.
  const full: ModelExportRequest = { ...req, dir: path.resolve(req.dir) }
  const prepared = prepareModelExport(s, full)
  const controller = new AbortController()
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(EXIT.cancelled)
    process.stderr.write('\nCancelling… (Ctrl-C again to stop at once)\n')
    controller.abort()
  }
  process.on('SIGINT', onSigint)
  const bar =
    !opts.json && process.stderr.isTTY
      ? new cliProgress.SingleBar(
          { format: 'export [{bar}] {percentage}% {phase}', stream: process.stderr, hideCursor: true },
          cliProgress.Presets.shades_classic,
        )
      : null
  let started = false
  let result: ExportDto
  try {
    result = await runModelExport(s, full, prepared, {
      signal: controller.signal,
      progress: (done, total, phase) => {
        if (!bar) return
        if (!started) bar.start(total, done, { phase: phase ?? '' })
        bar.setTotal(total)
        bar.update(done, { phase: phase ?? '' })
        started = true
      },
    })
  } catch (err) {
    if (controller.signal.aborted) {
      process.stderr.write('export cancelled; nothing was written\n')
      throw new ExitCode(EXIT.cancelled)
    }
    throw err
  } finally {
    if (started) bar?.stop()
    process.off('SIGINT', onSigint)
  }
  process.stdout.write(
    opts.json ? fs.readFileSync(path.join(result.dir, MANIFEST_FILE), 'utf8') : exportText(result) + '\n',
  )
  const failed = result.formats.filter((f) => f.selfTest?.status === 'failed')
  if (failed.length) {
    const names = failed.map((f) => f.format).join(', ')
    process.stderr.write(`studio: the self-test failed for ${names}: see the model card in ${result.dir}\n`)
    throw new ExitCode(EXIT.error)
  }
}

/** One line per format: its file, size and self-test verdict with the figures behind it. */
export function selfTestLine(f: ExportFormatDto): string {
  const t = f.selfTest
  if (!t) return 'not self-tested'
  if (t.status === 'skipped') return `not checked: ${t.reason}`
  const figures =
    t.images === 0
      ? ''
      : `${t.images} ${t.split} images, agreement ${pct(t.agreement)}, accuracy ${pct(t.accuracy)}` +
        (t.maxDiff === null ? '' : `, max diff ${diffText(t.maxDiff)}`) +
        ` (${t.runtime}, ${t.seconds.toFixed(1)} s)`
  return t.status === 'passed' ? `passed: ${figures}` : `FAILED: ${t.reason}${figures ? `; ${figures}` : ''}`
}

const pct = (x: number | null) => (x === null ? '–' : `${(x * 100).toFixed(1)} %`)

export function exportText(r: ExportDto): string {
  return [
    `Exported run ${r.runId} to ${r.dir}${r.zip ? ` (and ${r.zip})` : ''}`,
    table(r.formats.map((f) => ['', f.format, f.modelFile, sizeText(f.bytes), selfTestLine(f)])),
    ...r.formats.flatMap((f) => (f.note ? [`  ${f.format}: ${f.note}`] : [])),
    r.files.includes('predict.mjs') ? `  try: cd ${r.dir} && npm install && node predict.mjs <image>` : '',
    r.files.includes('predict.py') ? `  python: pip install onnxruntime pillow numpy && python predict.py <image>` : '',
    `  README.md says what each file is; export.json lists every file with its SHA-256.`,
  ]
    .filter(Boolean)
    .join('\n')
}
