import { ValidationError } from '../errors'
import type { Preprocessing } from '../runs'
import { addOnnxFiles } from './onnx/files'
import type { ExportFormat } from './format-names'
import { quantizeWeights, type QuantizeDtype } from './quantize'
import { formatBytes, readModel, sizeOf, writeModel, type ExportFiles } from './tfjs-files'
import { addTmFiles, tmNote } from './tm'

/**
 * Which model formats an export holds. tfjs: the TF.js layers model (for a transfer run with a layers
 * backbone that is backbone and head merged into one model taking images; a graph-model backbone cannot
 * merge with a layers head, so it travels in backbone/ and runs first); onnx: model.onnx; tm: the
 * Teachable-Machine variant in tm/; all: every format the run can be exported to. `quantize` adds a
 * copy of the TF.js model with float16 or uint8 weights in tfjs-float16/ or tfjs-uint8/.
 */
export { EXPORT_FORMATS, parseFormat, parseQuantize, type ExportFormat } from './format-names'

export interface ExportOptions {
  /** Default tfjs. */
  format?: ExportFormat
  /** A smaller copy of the TF.js model; none by default. */
  quantize?: QuantizeDtype
}

/** One model format in an export: which runtime loads it, its entry file and every file it needs. */
export interface ExportedFormat {
  format: 'tfjs' | 'tfjs-float16' | 'tfjs-uint8' | 'tm' | 'onnx'
  /** The package that loads it, e.g. '@tensorflow/tfjs', 'onnxruntime', '@teachablemachine/image'. */
  runtime: string
  /** Relative path of its model.json or model.onnx. */
  modelFile: string
  /** Relative paths of every file the format needs (its model, weights, labels and preprocessing). */
  files: string[]
  /** Bytes of the format's own model and weight files (not the shared labels and preprocessing). */
  bytes?: number
  /** What a user of this format must know (e.g. a backbone shipped beside the head). */
  note?: string
}

/** Files only the TF.js model needs, left out of an export without it. */
const TFJS_ONLY = ['model.json', 'weights.bin', 'predict.mjs', 'package.json']
const SHARED = ['labels.json', 'preprocessing.json']

export interface RunInfo {
  runId: number
  preset: string
  labels: string[]
  /** The run's saved model folder (model.json + weights.bin). */
  modelDir: string
  pre: Preprocessing
}

/**
 * Adds the requested formats to an export whose files hold the run's TF.js model (model.json,
 * weights.bin, backbone/ for a graph backbone, predict.mjs, package.json), drops the TF.js files when
 * they were not asked for, and lists the formats written.
 */
export function addModelFormats(files: ExportFiles, run: RunInfo, opts: ExportOptions): ExportedFormat[] {
  const format = opts.format ?? 'tfjs'
  const graph = run.pre.backbone !== null
  const wants = (f: ExportFormat) => format === f || format === 'all'
  if (opts.quantize && !wants('tfjs'))
    throw new ValidationError('--quantize makes a smaller copy of the TF.js model: use it with --format tfjs or all')
  if (graph && (format === 'onnx' || format === 'tm'))
    throw new ValidationError(
      `run ${run.runId} runs a graph-model backbone before its head, which ` +
        `${format === 'onnx' ? 'ONNX' : 'Teachable Machine'} export does not cover; use --format tfjs`,
    )
  const backbone = Object.keys(files).filter((n) => n.startsWith('backbone/'))
  const formats: ExportedFormat[] = []
  if (wants('tfjs')) {
    const own = ['model.json', 'weights.bin', ...backbone]
    formats.push({
      format: 'tfjs',
      runtime: '@tensorflow/tfjs',
      modelFile: 'model.json',
      files: [...own, ...SHARED, 'predict.mjs', 'package.json'],
      bytes: sizeOf(files, own),
      note: graph
        ? 'model.json is the head; predict.mjs runs the graph-model backbone in backbone/ first (a graph model ' +
          'cannot merge with a layers head, so this export has no ONNX or Teachable Machine model)'
        : 'one layers model taking images; node predict.mjs <image>',
    })
    if (opts.quantize) formats.push(addQuantized(files, opts.quantize, graph, sizeOf(files, own)))
  }
  if (wants('tm') && !graph) {
    const own = addTmFiles(files, run.pre, run)
    formats.push({
      format: 'tm',
      runtime: '@teachablemachine/image',
      modelFile: own[0]!,
      files: own,
      bytes: sizeOf(files, own),
      note: tmNote(run.pre),
    })
  }
  if (wants('onnx') && !graph) {
    addOnnxFiles(files, run.modelDir, run.runId, run.labels.length)
    formats.push({
      format: 'onnx',
      runtime: 'onnxruntime',
      modelFile: 'model.onnx',
      files: ['model.onnx', ...SHARED],
      bytes: sizeOf(files, ['model.onnx']),
    })
  }
  if (!wants('tfjs')) for (const f of TFJS_ONLY) delete files[f]
  return formats
}

/** tfjs-<dtype>/: the TF.js model (and a graph backbone) with quantized weights, read by stock TF.js. */
function addQuantized(files: ExportFiles, dtype: QuantizeDtype, graph: boolean, floatBytes: number): ExportedFormat {
  const folder = `tfjs-${dtype}` as const
  const own: string[] = []
  const models: [string, string][] = [['', folder]]
  if (graph) models.push(['backbone', `${folder}/backbone`])
  for (const [from, to] of models) {
    const m = readModel(files, from)
    const q = quantizeWeights(m.specs, m.data, dtype)
    own.push(...writeModel(files, to, m.json, q.specs, q.data))
  }
  const bytes = sizeOf(files, own)
  return {
    format: folder,
    runtime: '@tensorflow/tfjs',
    modelFile: `${folder}/model.json`,
    files: [...own, ...SHARED, 'predict.mjs', 'package.json'],
    bytes,
    note:
      `${dtype} weights: ${formatBytes(bytes)} (float32: ${formatBytes(floatBytes)}); ` +
      `node predict.mjs --model ${folder} <image>`,
  }
}
