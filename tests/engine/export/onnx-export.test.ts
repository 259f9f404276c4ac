import fs from 'node:fs'
import path from 'node:path'
import * as ort from 'onnxruntime-node'
import { beforeAll, describe, expect, it } from 'vitest'
import { exportRun } from '../../../main/engine/export/bundle'
import { Studio } from '../../../main/engine/studio'
import { decode } from '../../../main/engine/training/pixels'
import { predictImages } from '../../../main/engine/training/predict'
import { studio as studioCli } from '../../helpers/cli'
import { makeImages, tmpDir } from '../../helpers/fixtures'
import { trainInProcess } from '../../helpers/training'

// A real (tiny) seed-CNN run exported with --format all/onnx: model.onnx, run by onnxruntime on the
// original image files through preprocessing.json alone, gives Studio's probabilities.

const root = tmpDir()
const proj = path.join(root, 'proj')
let runId = 0
let files: string[] = []

beforeAll(async () => {
  files = [
    ...(await makeImages(path.join(root, 'src', 'red'), 6, 0, 40, 30)),
    ...(await makeImages(path.join(root, 'src', 'blue'), 6, 100, 30, 40)),
  ]
  const studio = Studio.init(proj)
  await studio.import(path.join(root, 'src'))
  runId = await trainInProcess(studio, { epochs: 1, inputSize: 24, batchSize: 8, patience: null, workers: 1 })
  studio.close()
}, 120_000)

interface Pre {
  inputSize: number
  fit: 'cover' | 'contain'
  scaling: 'unit' | 'symmetric'
  onnx: { file: string; input: { name: string; shape: unknown[]; layout: string }; output: { name: string } }
}

/** What a user of the export does: decode, scale as preprocessing.json says, run model.onnx. */
async function onnxProbabilities(dir: string, images: string[]): Promise<Float32Array[]> {
  const pre = JSON.parse(fs.readFileSync(path.join(dir, 'preprocessing.json'), 'utf8')) as Pre
  const session = await ort.InferenceSession.create(path.join(dir, pre.onnx.file))
  try {
    const out: Float32Array[] = []
    for (const f of images) {
      const raw = await decode(f, { size: pre.inputSize, fit: pre.fit })
      const x = Float32Array.from(raw, (v) => (pre.scaling === 'unit' ? v / 255 : v / 127.5 - 1))
      const t = new ort.Tensor('float32', x, [1, pre.inputSize, pre.inputSize, 3])
      const r = await session.run({ [pre.onnx.input.name]: t })
      out.push(r[pre.onnx.output.name]!.data as Float32Array)
    }
    return out
  } finally {
    await session.release()
  }
}

describe('studio export --format', () => {
  it('all: model.onnx beside the TF.js files, giving Studio’s probabilities on every image', async () => {
    const dir = path.join(root, 'all')
    const studio = Studio.open(proj)
    try {
      const r = exportRun(studio, runId, dir, { zip: false, format: 'all' })
      expect(r.files).toEqual(expect.arrayContaining(['model.json', 'weights.bin', 'predict.mjs', 'model.onnx']))
      const pre = JSON.parse(fs.readFileSync(path.join(dir, 'preprocessing.json'), 'utf8')) as Pre
      expect(pre.onnx.input).toEqual({ name: 'input', shape: ['N', 24, 24, 3], layout: 'NHWC', dtype: 'float32' })
      const studioSays = await predictImages(studio, runId, files)
      const onnxSays = await onnxProbabilities(dir, files)
      const labels = JSON.parse(fs.readFileSync(path.join(dir, 'labels.json'), 'utf8')) as string[]
      let maxDiff = 0
      studioSays.forEach((p, i) => {
        const probs = onnxSays[i]!
        labels.forEach((l, k) => (maxDiff = Math.max(maxDiff, Math.abs(p.probabilities[l]! - probs[k]!))))
        expect(labels[probs.indexOf(Math.max(...probs))]).toBe(p.label)
      })
      expect(maxDiff).toBeLessThan(1e-4)
    } finally {
      studio.close()
    }
  })

  it('onnx from the CLI: model.onnx without the TF.js model; an unknown format is refused', () => {
    const dir = path.join(root, 'onnx-only')
    const ok = studioCli(['export', String(runId), dir, '--project', proj, '--no-zip', '--format', 'onnx'])
    expect(ok.code, ok.stderr).toBe(0)
    // The ONNX model with predict.py for Python; README.md, export.json and the card's pictures (looks/) come
    // with every export.
    expect(fs.readdirSync(dir).sort()).toEqual([
      'README.md',
      'export.json',
      'labels.json',
      'looks',
      'model-card.html',
      'model-card.md',
      'model.onnx',
      'predict.py',
      'preprocessing.json',
    ])
    const bad = studioCli(['export', String(runId), path.join(root, 'x'), '--project', proj, '--format', 'pt'])
    expect(bad.code).not.toBe(0)
    expect(bad.stderr).toMatch(/--format must be one of tfjs, onnx, tm, all \(got "pt"\)/)
    expect(fs.existsSync(path.join(root, 'x'))).toBe(false)
  })
})
