import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import * as tf from '@tensorflow/tfjs'
import sharp from 'sharp'
import { beforeAll, describe, expect, it } from 'vitest'
import { toOnnx } from '../../../main/engine/export/onnx'
import { resourcePath } from '../../../main/engine/resources'
import type { Preprocessing } from '../../../main/engine/runs'
import { artifactFiles, modelArtifacts } from '../../../main/engine/training/model-io'
import { decode } from '../../../main/engine/training/pixels'
import { scale } from '../../../main/engine/training/presets'
import { makeImage, tmpDir } from '../../helpers/fixtures'

// resources/predict.mjs on its own, without training a run first (train.test.ts covers the whole
// export): a tiny random model, every fit and scaling, images that need EXIF rotation and alpha removal.
// A dense layer over every pixel makes the output depend on where each pixel lands, so a different
// resize, crop, orientation or scaling in predict.mjs would change the probabilities.

const root = tmpDir()
const SIZE = 12
const labels = ['ants', 'bees', 'wasps']
const images: string[] = []
let model: tf.LayersModel

/** The part of preprocessing.json predict.mjs reads. */
type Pre = Pick<Preprocessing, 'inputSize' | 'fit' | 'scaling' | 'backbone'>

interface Line {
  file: string
  label: string
  confidence: number
  probabilities: Record<string, number>
}

beforeAll(async () => {
  model = tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [SIZE, SIZE, 3] }),
      tf.layers.dense({
        units: labels.length,
        activation: 'softmax',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }),
      }),
    ],
  })
  images.push(path.join(root, 'wide.jpg'), path.join(root, 'alpha.png'), path.join(root, 'rotated.jpg'))
  await makeImage(images[0]!, 5, 'jpeg', 40, 24)
  await sharp({ create: { width: 18, height: 30, channels: 4, background: { r: 200, g: 40, b: 90, alpha: 0.5 } } })
    .png()
    .toFile(images[1]!)
  // Stored sideways with EXIF orientation 6: Studio and predict.mjs both rotate it upright first.
  await sharp(fs.readFileSync(images[0]!)).withMetadata({ orientation: 6 }).jpeg().toFile(images[2]!)
})

/** An export folder as bundle.ts lays it out (less the model card), predict.mjs copied from resources/. */
async function writeExport(dir: string, pre: Pre): Promise<void> {
  fs.mkdirSync(dir, { recursive: true })
  for (const [name, data] of Object.entries(artifactFiles(await modelArtifacts(model)))) {
    fs.writeFileSync(path.join(dir, name), data)
  }
  fs.writeFileSync(path.join(dir, 'labels.json'), JSON.stringify(labels))
  fs.writeFileSync(path.join(dir, 'preprocessing.json'), JSON.stringify(pre))
  fs.copyFileSync(resourcePath('predict.mjs'), path.join(dir, 'predict.mjs'))
  // predict.mjs resolves @tensorflow/tfjs and sharp from its folder: give it this repo's node_modules.
  fs.symlinkSync(path.resolve('node_modules'), path.join(dir, 'node_modules'))
}

function runPredict(dir: string, args: string[]) {
  return spawnSync(process.execPath, [path.join(dir, 'predict.mjs'), ...args], { encoding: 'utf8', timeout: 60_000 })
}

/** What Studio computes in process for one image: its decoder, its scaling, the same model. */
async function studioProbabilities(
  file: string,
  pre: Pre,
  m: tf.LayersModel = model,
  mirrored = false,
): Promise<number[]> {
  const raw = await decode(file, { size: pre.inputSize, fit: pre.fit })
  return tf.tidy(() => {
    const pixels = tf.tensor4d(raw, [1, SIZE, SIZE, 3], 'int32')
    const x = scale(mirrored ? tf.reverse(pixels, 2) : pixels, pre.scaling)
    return Array.from((m.predict(x) as tf.Tensor).dataSync())
  })
}

describe('the predict.mjs every export ships', () => {
  const variants: Pre[] = [
    { inputSize: SIZE, fit: 'cover', scaling: 'unit', backbone: null },
    { inputSize: SIZE, fit: 'contain', scaling: 'symmetric', backbone: null },
  ]
  const outputs: number[][][] = []

  for (const pre of variants) {
    it(`reproduces Studio's probabilities in a fresh Node process (fit ${pre.fit}, scaling ${pre.scaling})`, async () => {
      const dir = path.join(root, `export-${pre.fit}`)
      await writeExport(dir, pre)
      const r = runPredict(dir, images)
      expect(r.status, r.stderr).toBe(0)
      const lines = r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Line)
      expect(lines.map((l) => l.file)).toEqual(images)
      const seen: number[][] = []
      for (const [i, line] of lines.entries()) {
        const want = await studioProbabilities(images[i]!, pre)
        const got = labels.map((name) => line.probabilities[name]!)
        got.forEach((p, c) => expect(Math.abs(p - want[c]!)).toBeLessThan(1e-5))
        const best = want.indexOf(Math.max(...want))
        expect(line.label).toBe(labels[best])
        expect(line.confidence).toBeCloseTo(want[best]!, 5)
        seen.push(got)
      }
      outputs.push(seen)
    }, 60_000)
  }

  it('gives different answers for different preprocessing (so the comparisons above can fail)', () => {
    expect(outputs).toHaveLength(2)
    const [a, b] = outputs as [number[][], number[][]]
    expect(a.some((probs, i) => probs.some((p, c) => Math.abs(p - b[i]![c]!) > 1e-3))).toBe(true)
    // Orientation matters to this model: a predict.mjs that ignored EXIF would be caught above.
    expect(a[2]!.some((p, c) => Math.abs(p - a[0]![c]!) > 1e-3)).toBe(true)
  })

  it('--model <folder> classifies with the model in that folder of the export (e.g. tfjs-uint8/)', async () => {
    const dir = path.join(root, 'export-model-flag')
    const pre = variants[0]!
    await writeExport(dir, pre)
    const other = tf.sequential({
      layers: [
        tf.layers.flatten({ inputShape: [SIZE, SIZE, 3] }),
        tf.layers.dense({
          units: labels.length,
          activation: 'softmax',
          kernelInitializer: tf.initializers.glorotUniform({ seed: 9 }),
        }),
      ],
    })
    fs.mkdirSync(path.join(dir, 'other'))
    for (const [name, data] of Object.entries(artifactFiles(await modelArtifacts(other)))) {
      fs.writeFileSync(path.join(dir, 'other', name), data)
    }
    const r = runPredict(dir, ['--model', 'other', images[0]!])
    expect(r.status, r.stderr).toBe(0)
    const line = JSON.parse(r.stdout.trim()) as Line
    const want = await studioProbabilities(images[0]!, pre, other)
    const mine = await studioProbabilities(images[0]!, pre)
    labels.forEach((name, c) => expect(Math.abs(line.probabilities[name]! - want[c]!)).toBeLessThan(1e-5))
    // The folder's own model would have answered differently.
    expect(Math.max(...want.map((p, c) => Math.abs(p - mine[c]!)))).toBeGreaterThan(1e-3)
    other.dispose()
  }, 60_000)

  const onnxVariants: (Pre & { tta: 'flip' | null })[] = [
    { inputSize: SIZE, fit: 'cover', scaling: 'unit', backbone: null, tta: null },
    { inputSize: SIZE, fit: 'contain', scaling: 'symmetric', backbone: null, tta: 'flip' },
  ]
  for (const pre of onnxVariants) {
    it(`--model model.onnx runs the ONNX model with onnxruntime as Studio does (${pre.fit}, tta ${pre.tta})`, async () => {
      const dir = path.join(root, `export-onnx-${pre.fit}`)
      const onnx = { file: 'model.onnx', input: { name: 'input', layout: 'NHWC' }, output: { name: 'probabilities' } }
      await writeExport(dir, { ...pre, onnx } as Pre)
      fs.writeFileSync(path.join(dir, 'model.onnx'), toOnnx(model))
      const r = runPredict(dir, ['--model', 'model.onnx', ...images])
      expect(r.status, r.stderr).toBe(0)
      const lines = r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Line)
      expect(lines.map((l) => l.file)).toEqual(images)
      for (const [i, line] of lines.entries()) {
        const plain = await studioProbabilities(images[i]!, pre)
        // Test-time augmentation: Studio averages the image's and its mirror image's probabilities.
        const mirrored = pre.tta === 'flip' ? await studioProbabilities(images[i]!, pre, model, true) : plain
        const want = plain.map((p, c) => (p + mirrored[c]!) / 2)
        labels.forEach((name, c) => expect(Math.abs(line.probabilities[name]! - want[c]!)).toBeLessThan(1e-5))
      }
    }, 60_000)
  }

  it('prints its usage and exits 2 without an image', async () => {
    const dir = path.join(root, 'export-usage')
    await writeExport(dir, variants[0]!)
    const r = runPredict(dir, [])
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/usage: node predict\.mjs <image>/)
  }, 60_000)
})
