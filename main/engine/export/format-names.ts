import { ValidationError } from '../errors'
import { QUANTIZE_DTYPES, type QuantizeDtype } from './quantize'

/**
 * The model formats an export can hold and their parsers for `--format` / `--quantize` (what each
 * format is: formats.ts). Apart from formats.ts so that the CLI reads them without loading TF.js.
 */
export const EXPORT_FORMATS = ['tfjs', 'onnx', 'tm', 'all'] as const
export type ExportFormat = (typeof EXPORT_FORMATS)[number]

export function parseFormat(value: string): ExportFormat {
  const f = EXPORT_FORMATS.find((x) => x === value)
  if (!f)
    throw new ValidationError(`--format must be one of ${EXPORT_FORMATS.join(', ')} (got ${JSON.stringify(value)})`)
  return f
}

export function parseQuantize(value: string): QuantizeDtype {
  const q = QUANTIZE_DTYPES.find((x) => x === value)
  if (!q)
    throw new ValidationError(`--quantize must be one of ${QUANTIZE_DTYPES.join(', ')} (got ${JSON.stringify(value)})`)
  return q
}
