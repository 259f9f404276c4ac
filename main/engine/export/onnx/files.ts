import { version as studioVersion } from '../../../../package.json'
import type { Preprocessing } from '../../runs'
import { readArtifacts } from '../../training/model-io'
import { text, type ExportFiles } from '../tfjs-files'
import { onnxFromArtifacts } from './index'

export const ONNX_OPSET = 13

/** What preprocessing.json says about model.onnx: its tensors, their layout and the opset. */
export interface OnnxInput {
  file: 'model.onnx'
  opset: number
  input: { name: 'input'; shape: ['N', number, number, 3]; layout: 'NHWC'; dtype: 'float32' }
  output: { name: 'probabilities'; shape: ['N', number] }
  note: string
}

/**
 * Adds model.onnx to an export's files and states its input in preprocessing.json. Only for a model
 * that takes images itself (formats.ts refuses runs with a graph-model backbone first).
 */
export function addOnnxFiles(files: ExportFiles, modelDir: string, runId: number, classes: number): void {
  const pre = JSON.parse(text(files['preprocessing.json']!)) as Preprocessing
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
}
