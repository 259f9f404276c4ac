import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { exportRun } from '../../../main/engine/export/bundle'
import type { ExportedFormat } from '../../../main/engine/export/formats'
import { tmRescale, type TmMetadata } from '../../../main/engine/export/tm'
import type { Preprocessing } from '../../../main/engine/runs'
import { Studio } from '../../../main/engine/studio'
import { scale } from '../../../main/engine/training/presets'
import { loadBackbone } from '../../../main/engine/training/transfer'
import { studio as studioCli } from '../../helpers/cli'
import {
  argmax,
  loadExported,
  recordedPredictions,
  studioPixels,
  trainShapes,
  writeTinyMobileNet,
} from '../../helpers/export-runs'
import { tmpDir } from '../../helpers/fixtures'
import { trainInProcess } from '../../helpers/training'

// Real (small) runs exported in every TF.js format: the one-file model reproduces what Studio
// recorded, quantized copies load with stock TF.js and agree with it, and the Teachable-Machine
// variant gives the same numbers through TM's own scaling, in TF.js 4 and in TM's TF.js 1.3.1.

const root = tmpDir()
const models = path.join(root, 'models')
const proj = path.join(root, 'proj')
let cnn = 0
let transfer = 0

beforeAll(async () => {
  await writeTinyMobileNet(models, 'tiny_mobilenet')
  const studio = Studio.init(proj)
  process.env.STUDIO_MODELS_DIR = models
  try {
    // No test-time mirror: the Teachable Machine copy (in --format all) predicts without it.
    cnn = await trainShapes(studio, path.join(root, 'shapes'), { epochs: 8, inputSize: 32, tta: 'off' })
    transfer = await trainInProcess(studio, {
      preset: 'transfer',
      backbone: 'tiny_mobilenet',
      inputSize: 32,
      epochs: 20,
    })
  } finally {
    delete process.env.STUDIO_MODELS_DIR
    studio.close()
  }
}, 300_000)

function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T
}

/** Exports a run into a fresh folder of `root` with these options. */
function exportTo(name: string, runId: number, opts: Parameters<typeof exportRun>[3]) {
  const studio = Studio.open(proj)
  try {
    return exportRun(studio, runId, path.join(root, name), { zip: false, ...opts })
  } finally {
    studio.close()
  }
}

/** Probabilities of a model folder on Studio's decoding of each file, scaled as preprocessing.json says. */
async function probabilitiesOf(dir: string, files: string[], pre: Preprocessing): Promise<Float32Array[]> {
  const model = await loadExported(dir)
  const out: Float32Array[] = []
  for (const f of files) {
    const raw = await studioPixels(f, pre)
    const s = pre.inputSize
    out.push(
      tf.tidy(
        () =>
          (
            model.predict(scale(tf.tensor4d(raw, [1, s, s, 3], 'int32'), pre.scaling)) as tf.Tensor
          ).dataSync() as Float32Array,
      ),
    )
  }
  model.dispose()
  return out
}

const maxDiff = (a: ArrayLike<number>[], b: ArrayLike<number>[]) =>
  Math.max(...a.flatMap((p, i) => Array.from(p, (v, k) => Math.abs(v - b[i]![k]!))))

describe('the one-file TF.js model', () => {
  it('transfer run: backbone and head merged in model.json give what Studio recorded (fused backbone → head)', async () => {
    const r = exportTo('transfer-tfjs', transfer, {})
    const model = readJson<{ modelTopology: { config: { layers: { class_name: string }[] } } }>(
      path.join(r.dir, 'model.json'),
    )
    const classes = model.modelTopology.config.layers.map((l) => l.class_name)
    expect(classes).toEqual(expect.arrayContaining(['DepthwiseConv2D', 'BatchNormalization', 'Dense']))
    expect(fs.existsSync(path.join(r.dir, 'backbone'))).toBe(false)
    const pre = readJson<Preprocessing>(path.join(r.dir, 'preprocessing.json'))
    expect(pre.backbone).toBeNull()
    const studio = Studio.open(proj)
    const recorded = recordedPredictions(studio, transfer)
    studio.close()
    expect(recorded.length).toBeGreaterThan(5)
    const exported = await probabilitiesOf(
      r.dir,
      recorded.map((p) => p.file),
      pre,
    )
    expect(
      maxDiff(
        exported,
        recorded.map((p) => p.probs),
      ),
    ).toBeLessThan(1e-5)
  }, 120_000)

  it('on generated images the merged model equals the backbone’s features through the head (1e-5)', async () => {
    const r = exportTo('transfer-merged', transfer, {})
    const merged = await loadExported(r.dir)
    const backbone = await loadBackbone(models, 'tiny_mobilenet')
    try {
      const x = tf.randomUniform([6, 32, 32, 3], -1, 1, 'float32', 5) as tf.Tensor4D
      const head = merged.layers[merged.layers.length - 1]!
      const viaFeatures = tf.tidy(() => (head.apply(backbone.features(x)) as tf.Tensor).arraySync() as number[][])
      const whole = tf.tidy(() => (merged.predict(x) as tf.Tensor).arraySync() as number[][])
      expect(maxDiff(whole, viaFeatures)).toBeLessThan(1e-5)
      // The head is no identity: different images give probabilities that differ by more than the
      // float noise the comparison above allows (random noise images are all far from the training
      // shapes, so they differ little).
      expect(maxDiff([whole[0]!], [whole[1]!])).toBeGreaterThan(1e-5)
      x.dispose()
    } finally {
      backbone.dispose()
      merged.dispose()
    }
  }, 60_000)
})

describe('quantized copies', () => {
  for (const dtype of ['float16', 'uint8'] as const) {
    it(`${dtype}: loads with stock TF.js, smaller, same top-1 as the float model on nearly every image`, async () => {
      const r = exportTo(`cnn-${dtype}`, cnn, { quantize: dtype })
      const f = r.formats.find((x) => x.format === `tfjs-${dtype}`)!
      const float = r.formats.find((x) => x.format === 'tfjs')!
      expect(f).toMatchObject({ runtime: '@tensorflow/tfjs', modelFile: `tfjs-${dtype}/model.json` })
      expect(f.files).toEqual(expect.arrayContaining([`tfjs-${dtype}/weights.bin`, 'labels.json', 'predict.mjs']))
      console.log(`seed CNN ${dtype}: ${f.bytes} bytes (float32 ${float.bytes})`)
      expect(f.bytes! / float.bytes!).toBeLessThan(dtype === 'uint8' ? 0.27 : 0.51)
      const manifest = readJson<{ weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[] }>(
        path.join(r.dir, f.modelFile),
      ).weightsManifest[0]!.weights
      expect(manifest.filter((w) => w.quantization?.dtype === dtype).length).toBeGreaterThan(3)
      const pre = readJson<Preprocessing>(path.join(r.dir, 'preprocessing.json'))
      const images = fs
        .readdirSync(path.join(root, 'shapes'), { recursive: true, encoding: 'utf8' })
        .filter((n) => n.endsWith('.jpg'))
        .map((n) => path.join(root, 'shapes', n))
      const a = await probabilitiesOf(r.dir, images, pre)
      const b = await probabilitiesOf(path.join(r.dir, `tfjs-${dtype}`), images, pre)
      const agree = a.filter((p, i) => argmax(p) === argmax(b[i]!)).length / images.length
      console.log(`seed CNN ${dtype}: top-1 agreement ${agree} on ${images.length} images, max diff ${maxDiff(a, b)}`)
      expect(agree).toBeGreaterThanOrEqual(dtype === 'uint8' ? 0.95 : 0.99)
      expect(maxDiff(a, b)).toBeLessThan(dtype === 'uint8' ? 0.1 : 0.01)
    }, 120_000)
  }
})

/** TM's own arithmetic on the pixels (utils/tf.ts capture): x / 127 − 1. */
const tmScaled = (raw: Int32Array, s: number) =>
  tf
    .tensor4d(raw, [raw.length / (s * s * 3), s, s, 3], 'int32')
    .toFloat()
    .div(127)
    .sub(1)

/** TF.js 1.3.1 (TM's pinned version, as tfjs-v1) in its own process: it and TF.js 4 cannot share one. */
function predictWithTfjs1(dir: string, raw: Int32Array, size: number): number[][] {
  const script = path.join(root, 'tfjs1.cjs')
  fs.writeFileSync(
    script,
    `const [tfPath, dir, input, output] = process.argv.slice(2)
const tf = require(tfPath), fs = require('fs'), path = require('path')
const m = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'))
const w = fs.readFileSync(path.join(dir, m.weightsManifest[0].paths[0]))
const { pixels, size } = JSON.parse(fs.readFileSync(input, 'utf8'))
const artifacts = { modelTopology: m.modelTopology, weightSpecs: m.weightsManifest[0].weights,
  weightData: w.buffer.slice(w.byteOffset, w.byteOffset + w.length) }
tf.loadLayersModel(tf.io.fromMemory(artifacts)).then((model) => {
  const x = tf.tensor4d(pixels, [pixels.length / (size * size * 3), size, size, 3], 'int32')
  const y = model.predict(x.toFloat().div(tf.scalar(127)).sub(tf.scalar(1)))
  fs.writeFileSync(output, JSON.stringify(y.arraySync()))
})
`,
  )
  const input = path.join(root, 'tfjs1-in.json')
  const output = path.join(root, 'tfjs1-out.json')
  fs.writeFileSync(input, JSON.stringify({ pixels: Array.from(raw), size }))
  fs.rmSync(output, { force: true })
  const r = spawnSync(process.execPath, [script, path.resolve('node_modules/tfjs-v1'), dir, input, output], {
    encoding: 'utf8',
    timeout: 120_000,
  })
  if (r.status !== 0) throw new Error(`TF.js 1.3.1 could not run ${dir}: ${r.stderr}`)
  return readJson<number[][]>(output)
}

describe('the Teachable-Machine variant (tm/)', () => {
  const cases = [
    { name: 'seed CNN (scaling x/255)', run: () => cnn, scaling: 'unit' },
    { name: 'transfer (scaling x/127.5 − 1)', run: () => transfer, scaling: 'symmetric' },
  ] as const
  for (const c of cases) {
    it(`${c.name}: TM's scaling through tm/model.json gives Studio's probabilities, in TF.js 4 and 1.3.1`, async () => {
      const r = exportTo(`tm-${c.scaling}`, c.run(), { format: 'tm' })
      expect(r.formats.map((f) => f.format)).toEqual(['tm'])
      expect(r.files).not.toContain('model.json')
      const pre = readJson<Preprocessing>(path.join(r.dir, 'preprocessing.json'))
      expect(pre.scaling).toBe(c.scaling)
      const meta = readJson<TmMetadata>(path.join(r.dir, 'tm', 'metadata.json'))
      expect(Object.keys(meta).sort()).toEqual(
        [
          'imageSize',
          'labels',
          'modelName',
          'packageName',
          'packageVersion',
          'tfjsVersion',
          'timeStamp',
          'tmVersion',
          'userMetadata',
        ].sort(),
      )
      expect(meta).toMatchObject({
        labels: ['circle', 'cross', 'square', 'triangle'],
        imageSize: 32,
        tfjsVersion: '1.3.1',
        packageName: '@teachablemachine/image',
        modelName: `studio-run-${c.run()}`,
      })
      expect(new Date(meta.timeStamp).toISOString()).toBe(meta.timeStamp)
      expect(meta.userMetadata).toMatchObject({ run: c.run(), scaling: expect.stringMatching(pre.scalingFormula) })
      const studio = Studio.open(proj)
      const files = recordedPredictions(studio, c.run())
        .map((p) => p.file)
        .slice(0, 8)
      studio.close()
      const s = pre.inputSize
      const raw = Int32Array.from((await Promise.all(files.map((f) => studioPixels(f, pre)))).flatMap((p) => [...p]))
      const model = await loadExported(path.join(r.dir, 'tm'))
      const exportedModel = await loadExportedTfjs(c.run())
      const tm = tf.tidy(() => (model.predict(tmScaled(raw, s)) as tf.Tensor).arraySync() as number[][])
      const want = tf.tidy(() => {
        const x = scale(tf.tensor4d(raw, [files.length, s, s, 3], 'int32'), pre.scaling)
        return (exportedModel.predict(x) as tf.Tensor).arraySync() as number[][]
      })
      model.dispose()
      exportedModel.dispose()
      expect(maxDiff(tm, want)).toBeLessThan(1e-5)
      // Without the rescaling layer TM's x/127 − 1 would not be the unit scaling: the layer matters there.
      const { a, b } = tmRescale(pre.scaling)
      expect(Math.abs(a - 1) + Math.abs(b)).toBeGreaterThan(c.scaling === 'unit' ? 0.4 : 0.005)
      expect(maxDiff(predictWithTfjs1(path.join(r.dir, 'tm'), raw, s), want)).toBeLessThan(1e-4)
    }, 180_000)
  }
})

/** The run's own TF.js export (model.json at the top), written once per run. */
async function loadExportedTfjs(runId: number): Promise<tf.LayersModel> {
  const dir = path.join(root, `tfjs-${runId}`)
  if (!fs.existsSync(dir)) exportTo(`tfjs-${runId}`, runId, {})
  return loadExported(dir)
}

describe('studio export --format / --quantize', () => {
  it('--help names every format and the quantize choices; wrong values and combinations are refused', () => {
    const help = studioCli(['export', '--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toMatch(/--format <format>[\s\S]*tm \(Teachable-Machine model in tm\/\)[\s\S]*or all/)
    expect(help.stdout).toMatch(/--quantize <dtype>[\s\S]*float16 or uint8/)
    const bad = studioCli(['export', String(cnn), path.join(root, 'q'), '--project', proj, '--quantize', 'int4'])
    expect(bad.code).not.toBe(0)
    expect(bad.stderr).toMatch(/--quantize must be one of float16, uint8 \(got "int4"\)/)
    const onnx = ['--format', 'onnx', '--quantize', 'uint8']
    const mixed = studioCli(['export', String(cnn), path.join(root, 'q'), '--project', proj, ...onnx])
    expect(mixed.code).not.toBe(0)
    expect(mixed.stderr).toMatch(/--quantize makes a smaller copy of the TF.js model: use it with --format tfjs or all/)
    expect(fs.existsSync(path.join(root, 'q'))).toBe(false)
  }, 120_000)

  it('--format all --quantize uint8 writes every format and lists each with its runtime', () => {
    const dir = path.join(root, 'cli-all')
    const args = ['export', String(cnn), dir, '--project', proj, '--no-zip', '--format', 'all', '--quantize', 'uint8']
    const r = studioCli([...args, '--json'])
    expect(r.code, r.stderr).toBe(0)
    // --json prints export.json, whose formats list their files with hashes.
    const out = JSON.parse(r.stdout) as { formats: (Omit<ExportedFormat, 'files'> & { files: { path: string }[] })[] }
    expect(out.formats.map((f) => [f.format, f.runtime, f.modelFile])).toEqual([
      ['tfjs', '@tensorflow/tfjs', 'model.json'],
      ['tfjs-uint8', '@tensorflow/tfjs', 'tfjs-uint8/model.json'],
      ['tm', '@teachablemachine/image', 'tm/model.json'],
      ['onnx', 'onnxruntime', 'model.onnx'],
    ])
    for (const f of out.formats) {
      expect(f.files.map((x) => x.path)).toContain(f.modelFile)
      for (const file of f.files) expect(fs.existsSync(path.join(dir, file.path)), file.path).toBe(true)
    }
  }, 120_000)
})
