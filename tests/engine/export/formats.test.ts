import * as tf from '@tensorflow/tfjs'
import { describe, expect, it } from 'vitest'
import { addModelFormats, type RunInfo } from '../../../main/engine/export/formats'
import type { ExportFiles } from '../../../main/engine/export/tfjs-files'
import { preprocessingOf } from '../../../main/engine/runs'
import { artifactFiles, modelArtifacts } from '../../../main/engine/training/model-io'

// Which formats a run gets, without training one (tfjs-formats.test.ts exports real runs): a run whose
// graph-model backbone runs before its head keeps the two-stage layout and gets no TM or ONNX model.

async function exportFiles(graph: boolean): Promise<{ files: ExportFiles; run: RunInfo }> {
  const head = tf.sequential({
    layers: [tf.layers.flatten({ inputShape: [4, 4, 3] }), tf.layers.dense({ units: 3, activation: 'softmax' })],
  })
  const model = artifactFiles(await modelArtifacts(head))
  head.dispose()
  const files: ExportFiles = {
    'model.json': model['model.json']!,
    'weights.bin': model['weights.bin']!,
    'labels.json': '["a","b","c"]',
    'predict.mjs': '',
    'package.json': '{}',
  }
  // Any TF.js model stands in for the graph backbone here: quantizing reads only its weights manifest.
  if (graph) {
    files['backbone/model.json'] = model['model.json']!
    files['backbone/weights.bin'] = model['weights.bin']!
  }
  const stage = graph ? { format: 'graph' as const, folder: 'backbone', output: 'features' } : null
  const pre = preprocessingOf({ inputSize: 4, fit: 'cover' }, 'unit', stage)
  files['preprocessing.json'] = JSON.stringify(pre)
  return { files, run: { runId: 4, preset: 'transfer', labels: ['a', 'b', 'c'], modelDir: '/nowhere', pre } }
}

describe('formats for a run with a graph-model backbone', () => {
  it('all: the two-stage TF.js model (and its quantized copy, backbone included), no TM or ONNX, said so', async () => {
    const { files, run } = await exportFiles(true)
    const formats = addModelFormats(files, run, { format: 'all', quantize: 'uint8' })
    expect(formats.map((f) => f.format)).toEqual(['tfjs', 'tfjs-uint8'])
    expect(formats[0]!.files).toEqual(expect.arrayContaining(['backbone/model.json', 'backbone/weights.bin']))
    expect(formats[0]!.note).toMatch(/graph-model backbone in backbone\/ .*no ONNX or Teachable Machine model/)
    expect(formats[1]!.files).toEqual(expect.arrayContaining(['tfjs-uint8/backbone/model.json']))
    expect(Object.keys(files).filter((f) => f.startsWith('tm/') || f.endsWith('.onnx'))).toEqual([])
  })

  it('tm or onnx alone is refused, naming the run', async () => {
    for (const format of ['tm', 'onnx'] as const) {
      const { files, run } = await exportFiles(true)
      expect(() => addModelFormats(files, run, { format })).toThrow(
        /run 4 runs a graph-model backbone before its head, which (Teachable Machine|ONNX) export does not cover/,
      )
    }
  })
})

describe('formats for a model taking images', () => {
  it('tm: tm/ with metadata, the top-level TF.js model and predict.mjs left out', async () => {
    const { files, run } = await exportFiles(false)
    const formats = addModelFormats(files, run, { format: 'tm' })
    expect(formats.map((f) => [f.format, f.modelFile])).toEqual([['tm', 'tm/model.json']])
    expect(Object.keys(files).sort()).toEqual(
      ['labels.json', 'preprocessing.json', 'tm/metadata.json', 'tm/model.json', 'tm/weights.bin'].sort(),
    )
  })

  it('quantize without the TF.js model is refused', async () => {
    const { files, run } = await exportFiles(false)
    expect(() => addModelFormats(files, run, { format: 'tm', quantize: 'float16' })).toThrow(
      /--quantize makes a smaller copy of the TF.js model: use it with --format tfjs or all/,
    )
  })
})
