import fs from 'node:fs'
import path from 'node:path'
import * as tf from '@tensorflow/tfjs'
import * as ort from 'onnxruntime-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeShapes } from '../../../main/cli/demo-shapes'
import { exportRun } from '../../../main/engine/export/bundle'
import { gradCam } from '../../../main/engine/explain/gradcam'
import { Studio } from '../../../main/engine/studio'
import { selectBackend } from '../../../main/engine/training/backend'
import { listBackboneEntries } from '../../../main/engine/training/backbones'
import { withClassScores } from '../../../main/engine/training/class-scores'
import { withDefaults } from '../../../main/engine/training/config'
import { loadModel } from '../../../main/engine/training/model-io'
import { decode } from '../../../main/engine/training/pixels'
import { predictImages } from '../../../main/engine/training/predict'
import { loadBackbone } from '../../../main/engine/training/transfer'
import { tmpDir } from '../../helpers/fixtures'
import { writeTinyMobileNet } from '../../helpers/tiny-mobilenet'
import { trainInProcess } from '../../helpers/training'

// The backbone's own classifier's class probabilities as extra features (class-scores.ts): on by
// default where backbone.json ships a classifier, recorded on the run and its card, and computed
// by the saved model, so every export predicts what Studio predicts.

const root = tmpDir()
const models = path.join(root, 'models')
const CLASSES = 5
let studio: Studio

/** A classifier file for the tiny backbone (16 features): kernel 16 × 5 then bias 5, float32. */
function writeClassifier(name: string, floats = 16 * CLASSES + CLASSES): void {
  const w = Float32Array.from({ length: floats }, (_, i) => Math.sin(i * 1.7) * 0.8)
  fs.writeFileSync(path.join(models, name, 'classifier.bin'), Buffer.from(w.buffer))
  const file = path.join(models, name, 'backbone.json')
  const m = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>
  fs.writeFileSync(file, JSON.stringify({ ...m, classifier: { file: 'classifier.bin', classes: CLASSES } }))
}

beforeAll(async () => {
  await selectBackend('wasm')
  await writeTinyMobileNet(models, 'scored')
  writeClassifier('scored')
  await writeTinyMobileNet(models, 'damaged')
  writeClassifier('damaged', 7)
  await writeShapes(path.join(root, 'shapes'), 6)
  studio = Studio.init(path.join(root, 'proj'))
  await studio.import(path.join(root, 'shapes'))
  process.env.STUDIO_MODELS_DIR = models
}, 60_000)

afterAll(() => {
  delete process.env.STUDIO_MODELS_DIR
  studio.close()
})

const base = {
  preset: 'transfer',
  backbone: 'scored',
  inputSize: 32,
  epochs: 4,
  tta: 'off',
  calibration: 'off',
} as const

describe('class scores', () => {
  it('are on by default where the backbone ships a classifier, off for fine-tuning, and refused for both', () => {
    expect(withDefaults(base).classScores).toBe(30)
    expect(withDefaults({ ...base, fineTune: { blocks: 1 } as never }).classScores).toBe(0)
    expect(() => withDefaults({ ...base, classScores: 30, fineTune: { blocks: 1 } as never })).toThrow(
      /classScores and fineTune cannot both be on/,
    )
    expect(() => withDefaults({ ...base, classScores: -1 })).toThrow(/classScores must be a number from 0/)
    expect(() => withDefaults({ preset: 'seed-cnn', classScores: 30 })).toThrow(/classScores: the seed-cnn preset/)
  })

  it('append weight × softmax(features · kernel + bias) to each row', () => {
    const c = { classes: 2, layer: 'x', kernel: Float32Array.of(1, 0, 0, 1), bias: Float32Array.of(0, 1) }
    const got = withClassScores(Float32Array.of(2, 0, 0, 0), 2, c, 10)
    const e = (a: number, b: number) => [
      (10 * Math.exp(a)) / (Math.exp(a) + Math.exp(b)),
      (10 * Math.exp(b)) / (Math.exp(a) + Math.exp(b)),
    ]
    const want = [2, 0, ...e(2, 1), 0, 0, ...e(0, 1)]
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5))
  })

  it('a classifier file of the wrong size is refused by name', async () => {
    await expect(loadBackbone(models, 'damaged')).rejects.toThrow(
      /backbone .*damaged refused: classifier file .*damaged\/classifier\.bin has 28 bytes; .* 16 features × 5 classes/,
    )
    fs.renameSync(path.join(models, 'damaged', 'classifier.bin'), path.join(models, 'damaged', 'gone.bin'))
    const entry = listBackboneEntries({ user: models, bundled: path.join(root, 'none') }).find(
      (e) => e.name === 'damaged',
    )
    expect(entry?.problem).toMatch(/classifier file classifier\.bin \(listed in backbone\.json\) is missing/)
  })

  it('the saved model computes them: Studio, its ONNX and TM exports and Grad-CAM agree', async () => {
    const id = await trainInProcess(studio, base)
    const run = studio.store.runs.get(id)!
    expect(run.error).toBeNull()
    expect(JSON.parse(run.config).classScores).toBe(30)
    expect(run.backendReason).toMatch(/5 class probabilities \(×30\) appended/)
    const saved = await loadModel(path.join(studio.root, 'runs', String(id), 'model'))
    expect(saved.layers.map((l) => l.getClassName())).toEqual(expect.arrayContaining(['Concatenate']))
    // Grad-CAM weighs the last feature map through the branch that joins again.
    const x = tf.randomUniform([1, 32, 32, 3], -1, 1, 'float32', 3) as tf.Tensor4D
    const cam = gradCam(saved, x)
    x.dispose()
    expect(cam.layer).toBe('conv_pw_2_relu')
    expect(cam.map.some((v) => v > 0)).toBe(true)
    saved.dispose()

    // What the run stored for its evaluation images is what the saved model predicts from their files.
    const preds = studio.store.runs.predictions(id).slice(0, 4)
    const files = preds.map((p) => studio.originalPath(studio.image(p.imageId)))
    const fromFiles = await predictImages(studio, id, files)
    const classes = studio.store.datasets.version(run.datasetVersion)!.classes.map((c) => c.name)
    preds.forEach((p, i) =>
      classes.forEach((c, k) => expect(Math.abs(fromFiles[i]!.probabilities[c]! - p.probs[k]!)).toBeLessThan(1e-4)),
    )

    const dir = exportRun(studio, id, path.join(root, 'export'), { zip: false, format: 'all' }).dir
    expect(fs.readFileSync(path.join(dir, 'model-card.md'), 'utf8')).toMatch(
      /\| class scores \| the backbone's own classifier's class probabilities \(×30\) appended/,
    )
    const session = await ort.InferenceSession.create(path.join(dir, 'model.onnx'))
    const tm = await tf.loadLayersModel(tf.io.fromMemory(tmArtifacts(path.join(dir, 'tm'))))
    try {
      for (let i = 0; i < files.length; i++) {
        const raw = await decode(files[i]!, { size: 32, fit: 'cover' })
        const x = Float32Array.from(raw, (v) => v / 127.5 - 1)
        const r = await session.run({ input: new ort.Tensor('float32', x, [1, 32, 32, 3]) })
        const onnx = Object.values(r)[0]!.data as Float32Array
        // Teachable Machine feeds x/127 − 1; the export's first layer turns that into the run's scaling.
        const fromTm = tf.tidy(() =>
          (
            tm.predict(
              tf.tensor4d(
                Float32Array.from(raw, (v) => v / 127 - 1),
                [1, 32, 32, 3],
              ),
            ) as tf.Tensor
          ).dataSync(),
        )
        classes.forEach((c, k) => {
          expect(Math.abs(onnx[k]! - fromFiles[i]!.probabilities[c]!)).toBeLessThan(1e-4)
          expect(Math.abs(fromTm[k]! - fromFiles[i]!.probabilities[c]!)).toBeLessThan(1e-4)
        })
      }
    } finally {
      await session.release()
      tm.dispose()
    }
  }, 60_000)
})

describe('test-time augmentation of a transfer run', () => {
  it('mirror images on the extraction threads give what the saved model gives on mirrored files', async () => {
    const id = await trainInProcess(studio, { ...base, tta: 'on' })
    const run = studio.store.runs.get(id)!
    expect(run.error).toBeNull()
    const summary = JSON.parse(run.summary!) as { tta: { used: boolean } }
    expect(summary.tta.used).toBe(true)
    // The mirrored features are cached beside the plain ones.
    const mirrors = path.join(studio.root, 'cache', 'features', 'scored-32-cover', 'mirror')
    expect(fs.readdirSync(mirrors).filter((f) => f.endsWith('.f32')).length).toBeGreaterThan(0)
    // Stored: the average of each image and its mirror as the run computed them (features → head);
    // predict: the saved model on the file and on its mirror image (preprocessing.json's tta).
    const preds = studio.store.runs.predictions(id).slice(0, 4)
    const fromFiles = await predictImages(
      studio,
      id,
      preds.map((p) => studio.originalPath(studio.image(p.imageId))),
    )
    const classes = studio.store.datasets.version(run.datasetVersion)!.classes.map((c) => c.name)
    preds.forEach((p, i) =>
      classes.forEach((c, k) => expect(Math.abs(fromFiles[i]!.probabilities[c]! - p.probs[k]!)).toBeLessThan(1e-4)),
    )
  }, 60_000)
})

function tmArtifacts(dir: string): tf.io.ModelArtifacts {
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')) as {
    modelTopology: tf.io.ModelArtifacts['modelTopology']
    weightsManifest: tf.io.WeightsManifestConfig
  }
  const bufs = json.weightsManifest.flatMap((g) => g.paths.map((p) => fs.readFileSync(path.join(dir, p))))
  const all = Buffer.concat(bufs)
  return {
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
    weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.length),
  }
}
