import { version as studioVersion } from '../../../../package.json'
import { ValidationError } from '../../errors'
import type { Preprocessing } from '../../runs'
import { readArtifacts } from '../../training/model-io'
import { onnxFromArtifacts } from './index'

export const EXPORT_FORMATS = ['tfjs', 'onnx', 'all'] as const
export type ExportFormat = (typeof EXPORT_FORMATS)[number]

/** Files only the TF.js model needs, left out of an ONNX-only export. */
const TFJS_ONLY = ['model.json', 'weights.bin', 'predict.mjs', 'package.json']

export const ONNX_OPSET = 13

/** What preprocessing.json says about model.onnx: its tensors, their layout and the opset. */
export interface OnnxInput {
  file: 'model.onnx'
  opset: number
  input: { name: 'input'; shape: ['N', number, number, 3]; layout: 'NHWC'; dtype: 'float32' }
  output: { name: 'probabilities'; shape: ['N', number] }
  note: string
}

export function parseFormat(value: string): ExportFormat {
  const f = EXPORT_FORMATS.find((x) => x === value)
  if (!f)
    throw new ValidationError(`--format must be one of ${EXPORT_FORMATS.join(', ')} (got ${JSON.stringify(value)})`)
  return f
}

/**
 * Adds model.onnx to an export's files (format onnx or all) and states its input in
 * preprocessing.json; an ONNX-only export drops the TF.js model and its predict.mjs.
 */
export function addOnnxFiles(
  files: Record<string, string | Uint8Array>,
  modelDir: string,
  format: ExportFormat,
  runId: number,
  classes: number,
): void {
  if (format === 'tfjs') return
  const raw = files['preprocessing.json']!
  const pre = JSON.parse(typeof raw === 'string' ? raw : new TextDecoder().decode(raw)) as Preprocessing
  if (pre.backbone)
    throw new ValidationError(
      `run ${runId} runs a graph-model backbone before its head, which ONNX export does not cover; use --format tfjs`,
    )
  const size = pre.inputSize
  files['model.onnx'] = onnxFromArtifacts(readArtifacts(modelDir), {
    opset: ONNX_OPSET,
    producerVersion: studioVersion,
    doc:
      `Studio run ${runId}: RGB pixels, ${pre.fit} to ${size}×${size}, scaled ${pre.scalingFormula}; ` +
      'NHWC float32 in, probabilities out',
  })
  const onnx: OnnxInput = {
    file: 'model.onnx',
    opset: ONNX_OPSET,
    input: { name: 'input', shape: ['N', size, size, 3], layout: 'NHWC', dtype: 'float32' },
    output: { name: 'probabilities', shape: ['N', classes] },
    note: 'the same scaled NHWC pixels as the TF.js model; the graph transposes to NCHW itself',
  }
  files['preprocessing.json'] = JSON.stringify({ ...pre, onnx }, null, 2)
  if (format === 'onnx') for (const f of TFJS_ONLY) delete files[f]
}
