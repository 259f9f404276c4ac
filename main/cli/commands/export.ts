import path from 'node:path'
import type { Command } from 'commander'
import { checkDestination, writeExport } from '../../engine/export/destination'
import { parseFormat, parseQuantize, type ExportFormat } from '../../engine/export/formats'
import type { QuantizeDtype } from '../../engine/export/quantize'
import { formatBytes } from '../../engine/export/tfjs-files'
import { withStudio } from '../context'
import { common, emit, table, type CommonOptions } from '../output'
import { parseId } from './project'

type ExportCliOptions = CommonOptions & { zip: boolean; format: ExportFormat; quantize?: QuantizeDtype }

/** `studio export <run> <dir> [--format …] [--quantize …]`: a run's model as a folder (+ .zip). */
export function registerExport(program: Command): void {
  common(program.command('export'))
    .description(
      'export a finished run as a folder (+ .zip): the model (TF.js, ONNX, Teachable Machine), labels, ' +
        'preprocessing, model card, predict.mjs',
    )
    .argument('<run>', 'run id', parseId)
    .argument('<dir>', 'new folder to write')
    .option('--no-zip', 'do not write <dir>.zip')
    .option(
      '--format <format>',
      'tfjs (TF.js layers model + predict.mjs), onnx (model.onnx instead), tm (Teachable-Machine model in tm/) ' +
        'or all',
      parseFormat,
      'tfjs',
    )
    .option(
      '--quantize <dtype>',
      'also write the TF.js model with float16 or uint8 weights (tfjs-float16/ or tfjs-uint8/)',
      parseQuantize,
    )
    .action((runId: number, dir: string, opts: ExportCliOptions) =>
      withStudio(opts, (s) => {
        // On the command line a relative folder means one below the current folder.
        const dest = checkDestination(s.project.paths, path.resolve(dir), opts.zip)
        const r = writeExport(s, runId, dest, { format: opts.format, quantize: opts.quantize })
        emit(opts, r, (v) =>
          [
            `Exported run ${runId} to ${v.dir}${v.zip ? ` (and ${v.zip})` : ''}`,
            table(v.formats.map((f) => ['', f.format, f.modelFile, f.bytes === undefined ? '' : formatBytes(f.bytes)])),
            ...v.formats.flatMap((f) => (f.note ? [`  ${f.format}: ${f.note}`] : [])),
            v.files.includes('predict.mjs') ? `  try: cd ${v.dir} && npm install && node predict.mjs <image>` : '',
          ]
            .filter(Boolean)
            .join('\n'),
        )
      }),
    )
}
