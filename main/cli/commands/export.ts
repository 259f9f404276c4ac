import type { Command } from 'commander'
import { parseFormat, parseQuantize, type ExportFormat } from '../../engine/export/format-names'
import type { QuantizeDtype } from '../../engine/export/quantize'
import { withStudio } from '../context'
import { common, type CommonOptions } from '../output'
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
      withStudio(opts, async (s) => {
        const { exportCommand } = await import('./export-run')
        return exportCommand(s, { runId, dir, zip: opts.zip, format: opts.format, quantize: opts.quantize }, opts)
      }),
    )
}
