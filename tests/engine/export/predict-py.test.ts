import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import * as tf from '@tensorflow/tfjs'
import sharp from 'sharp'
import { beforeAll, describe, expect, it } from 'vitest'
import { exportRun } from '../../../main/engine/export/bundle'
import { toOnnx } from '../../../main/engine/export/onnx'
import { resourcePath } from '../../../main/engine/resources'
import { Studio } from '../../../main/engine/studio'
import { decode } from '../../../main/engine/training/pixels'
import { predictImages, type Prediction } from '../../../main/engine/training/predict'
import { makeImages, tmpDir } from '../../helpers/fixtures'
import { trainInProcess } from '../../helpers/training'

// resources/predict.py, the export's Python script: its preprocessing (Pillow + numpy) against Studio's
// (sharp), on generated images that need JPEG shrink-on-load, odd sizes, EXIF rotation and alpha.
// The ONNX part runs only where Python has onnxruntime; otherwise it says why it is skipped.

const PYTHON = '/usr/bin/python3'
const has = (mod: string) => spawnSync(PYTHON, ['-c', `import ${mod}`]).status === 0
const canPreprocess = fs.existsSync(PYTHON) && has('numpy') && has('PIL')
// predict.py runs the model on onnxruntime, else onnx's ReferenceEvaluator, else its own numpy evaluator
// (which needs the onnx package to read the file): each one Python can use here is tested.
const runtimes = ['onnxruntime', 'reference', 'numpy'] as const
const usable = canPreprocess
  ? runtimes.filter((r) => has(r === 'onnxruntime' ? 'onnxruntime' : r === 'reference' ? 'onnx.reference' : 'onnx'))
  : []
if (!canPreprocess) console.warn(`predict.py tests skipped: ${PYTHON} with numpy and Pillow is not available`)
else if (!usable.length)
  console.warn(`predict.py: running the model is skipped (${PYTHON} has neither onnxruntime nor onnx)`)
else if (usable.length < runtimes.length)
  console.warn(`predict.py: tested on ${usable.join(', ')}; ${PYTHON} cannot run the others`)

const root = tmpDir()
const images: Record<string, string> = {}

/** A textured image (so a crop one pixel off shows), optionally with alpha bands or an EXIF orientation. */
async function make(name: string, w: number, h: number, opts: { alpha?: boolean; orientation?: number } = {}) {
  const ch = opts.alpha ? 4 : 3
  const buf = Buffer.alloc(w * h * ch)
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * ch
      buf[i] = Math.round(127 + 100 * Math.sin(x / 7) * Math.cos(y / 11))
      buf[i + 1] = Math.round((255 * x) / w)
      buf[i + 2] = Math.round((255 * y) / h)
      // Semi-transparent and opaque bands: both drop the alpha without compositing onto a background.
      if (opts.alpha) buf[i + 3] = x < w / 2 ? 160 : 255
    }
  let img = sharp(buf, { raw: { width: w, height: h, channels: ch } })
  if (opts.orientation) img = img.withMetadata({ orientation: opts.orientation })
  const file = path.join(root, name)
  await (name.endsWith('.jpg') ? img.jpeg({ quality: 92 }) : img.png()).toFile(file)
  images[name] = file
}

interface Pre {
  inputSize: number
  fit: 'cover' | 'contain'
  scaling: 'unit' | 'symmetric'
  layout: 'NHWC' | 'NCHW'
}

/** predict.py --dump-input in an export-like folder: the float32 batch it would feed model.onnx. */
function pythonInput(pre: Pre, file: string): Float32Array {
  const dir = path.join(root, `export-${pre.inputSize}-${pre.fit}-${pre.scaling}-${pre.layout}`)
  fs.mkdirSync(dir, { recursive: true })
  fs.copyFileSync(resourcePath('predict.py'), path.join(dir, 'predict.py'))
  fs.writeFileSync(path.join(dir, 'labels.json'), '["a", "b"]')
  const onnx = { file: 'model.onnx', input: { name: 'input', layout: pre.layout }, output: { name: 'probabilities' } }
  fs.writeFileSync(path.join(dir, 'preprocessing.json'), JSON.stringify({ ...pre, onnx }))
  const out = path.join(dir, 'x.npy')
  const r = spawnSync(PYTHON, [path.join(dir, 'predict.py'), '--dump-input', out, file], { encoding: 'utf8' })
  expect(r.status, r.stderr).toBe(0)
  const npy = fs.readFileSync(out)
  expect(npy.subarray(1, 6).toString('latin1')).toBe('NUMPY')
  const header = npy.readUInt16LE(8)
  expect(npy.subarray(10, 10 + header).toString('latin1')).toContain("'descr': '<f4'")
  const body = npy.subarray(10 + header)
  return new Float32Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength))
}

/** Studio's input for the same file: its decoder, then the scaling and layout preprocessing.json states. */
async function studioInput(pre: Pre, file: string, shift = 0): Promise<Float32Array> {
  const s = pre.inputSize
  const raw = await decode(file, { size: s, fit: pre.fit })
  const out = new Float32Array(s * s * 3)
  for (let y = 0; y < s; y++)
    for (let x = 0; x < s; x++)
      for (let c = 0; c < 3; c++) {
        const v = raw[(y * s + Math.min(s - 1, x + shift)) * 3 + c]!
        const at = pre.layout === 'NCHW' ? (c * s + y) * s + x : (y * s + x) * 3 + c
        out[at] = pre.scaling === 'unit' ? v / 255 : v / 127.5 - 1
      }
  return out
}

/** Mean |a − b| in levels of 255. */
function meanLevels(a: Float32Array, b: Float32Array, pre: Pre): number {
  const unit = pre.scaling === 'unit' ? 255 : 127.5
  let sum = 0
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!)
  return (sum / a.length) * unit
}

beforeAll(async () => {
  await make('large.jpg', 640, 480)
  await make('odd.png', 101, 77)
  await make('turned.jpg', 300, 200, { orientation: 6 })
  await make('alpha.png', 90, 60, { alpha: true })
})

// Pillow's resampling and scaled JPEG decoding differ from libvips's by about a level on average
// (measured: 0.0–1.0 over these cases, 0 when enlarging); a crop, pad, orientation or scaling mistake costs far more.
// (Nearly transparent pixels differ more: unpremultiplying a tiny alpha amplifies any difference.)
const TOLERANCE = 2

describe.runIf(canPreprocess)("predict.py's preprocessing", () => {
  const variants: Pre[] = [
    { inputSize: 24, fit: 'cover', scaling: 'unit', layout: 'NHWC' },
    { inputSize: 64, fit: 'contain', scaling: 'symmetric', layout: 'NCHW' },
    { inputSize: 64, fit: 'cover', scaling: 'symmetric', layout: 'NHWC' },
  ]
  for (const pre of variants) {
    it(`matches Studio's input (${pre.inputSize} px, ${pre.fit}, ${pre.scaling}, ${pre.layout})`, async () => {
      for (const name of Object.keys(images)) {
        const py = pythonInput(pre, images[name]!)
        const studio = await studioInput(pre, images[name]!)
        expect(py.length, name).toBe(studio.length)
        const d = meanLevels(py, studio, pre)
        expect(d, name).toBeLessThan(TOLERANCE)
        // The comparison can fail: the same input one pixel to the side is several times further off.
        const shifted = meanLevels(py, await studioInput(pre, images[name]!, 1), pre)
        expect(shifted, name).toBeGreaterThan(3 * d)
      }
    }, 60_000)
  }

  it('prints its usage and exits 2 without an image', () => {
    const dir = path.join(root, 'export-24-cover-unit-NHWC')
    const r = spawnSync(PYTHON, [path.join(dir, 'predict.py')], { encoding: 'utf8' })
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/usage: python predict\.py <image>/)
  })
})

type PyLine = Omit<Prediction, 'input'> & { runtime: string }

/** predict.py of the export in `dir` on the images, with STUDIO_PREDICT_RUNTIME set: its JSON lines. */
function runPredictPy(dir: string, runtime: string, args: string[]): PyLine[] {
  const env = { ...process.env, STUDIO_PREDICT_RUNTIME: runtime }
  const r = spawnSync(PYTHON, [path.join(dir, 'predict.py'), ...args], { encoding: 'utf8', env })
  expect(r.status, r.stderr).toBe(0)
  return r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as PyLine)
}

/**
 * predict.py's probabilities against onnxruntime-node's on the very input predict.py makes
 * (--dump-input): the runtime inside predict.py must agree with onnxruntime to float precision.
 */
async function expectOrtParity(dir: string, images: string[], runtime: string) {
  const pre = JSON.parse(fs.readFileSync(path.join(dir, 'preprocessing.json'), 'utf8')) as {
    inputSize: number
    tta?: 'flip' | null
    onnx: { input: { name: string; layout: 'NHWC' | 'NCHW' }; output: { name: string } }
  }
  const npy = path.join(dir, 'input.npy')
  const dump = spawnSync(PYTHON, [path.join(dir, 'predict.py'), '--dump-input', npy, ...images])
  expect(dump.status, String(dump.stderr)).toBe(0)
  const raw = fs.readFileSync(npy)
  const body = raw.subarray(10 + raw.readUInt16LE(8))
  const x = new Float32Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength))
  const s = pre.inputSize
  const nchw = pre.onnx.input.layout === 'NCHW'
  const shape = nchw ? [images.length, 3, s, s] : [images.length, s, s, 3]
  // The mirror image (test-time augmentation): each row read right to left.
  const mirrored = new Float32Array(x.length)
  for (let n = 0; n < images.length; n++)
    for (let y = 0; y < s; y++)
      for (let c = 0; c < 3; c++)
        for (let col = 0; col < s; col++) {
          const at = (px: number) => (nchw ? ((n * 3 + c) * s + y) * s + px : ((n * s + y) * s + px) * 3 + c)
          mirrored[at(col)] = x[at(s - 1 - col)]!
        }
  const ort = await import('onnxruntime-node')
  const session = await ort.InferenceSession.create(path.join(dir, 'model.onnx'))
  const run = async (input: Float32Array) =>
    (await session.run({ [pre.onnx.input.name]: new ort.Tensor('float32', input, shape) }))[pre.onnx.output.name]!
      .data as Float32Array
  const plain = await run(x)
  const want = pre.tta === 'flip' ? (await run(mirrored)).map((p, i) => (p + plain[i]!) / 2) : plain
  await session.release()
  const k = want.length / images.length
  const lines = runPredictPy(dir, runtime, images)
  expect(lines).toHaveLength(images.length)
  lines.forEach((line, i) => {
    const got = Object.values(line.probabilities)
    expect(got).toHaveLength(k)
    got.forEach((p, c) => expect(Math.abs(p - want[i * k + c]!), `${images[i]} class ${c}`).toBeLessThan(1e-5))
  })
}

/**
 * A model with every layer kind Studio's ONNX writer translates (the operators predict.py's numpy
 * evaluator must know), random weights so none is a no-op, exported as a folder predict.py can run.
 */
function everyLayerExport(dir: string): void {
  const L = tf.layers
  const input = tf.input({ shape: [24, 24, 3] })
  const chain: tf.layers.Layer[] = [
    L.zeroPadding2d({
      padding: [
        [1, 0],
        [2, 1],
      ],
    }),
    L.conv2d({ filters: 6, kernelSize: 3, strides: 2, padding: 'same', useBias: false }),
    L.batchNormalization({ epsilon: 1e-3 }),
    L.reLU({ maxValue: 6 }),
    L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', strides: 2 }),
    L.activation({ activation: 'relu6' }),
    L.conv2d({ filters: 8, kernelSize: [2, 3], padding: 'valid', activation: 'relu', dilationRate: 1 }),
    L.averagePooling2d({ poolSize: 2, strides: 1, padding: 'same' }),
    L.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }),
    L.activation({ activation: 'sigmoid' }),
    L.globalAveragePooling2d({}),
    L.reshape({ targetShape: [1, 1, 8] }),
    L.conv2d({ filters: 8, kernelSize: 1, activation: 'tanh' }),
    L.flatten(),
    L.dense({ units: 7, activation: 'relu' }),
    L.dense({ units: 3, activation: 'softmax' }),
  ]
  const output = chain.reduce<tf.SymbolicTensor>((y, layer) => layer.apply(y) as tf.SymbolicTensor, input)
  const model = tf.model({ inputs: input, outputs: output })
  let seed = 7
  const next = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) >>> 8) / 2 ** 24
  model.setWeights(
    model.weights.map((w) => {
      const shape = w.shape.map(Number)
      const positive = /moving_variance|gamma/.test(w.originalName)
      const data = Float32Array.from({ length: shape.reduce((a, d) => a * d, 1) }, () =>
        positive ? 0.5 + next() : next() - 0.5,
      )
      return tf.tensor(data, shape)
    }),
  )
  fs.mkdirSync(dir, { recursive: true })
  fs.writeFileSync(path.join(dir, 'model.onnx'), toOnnx(model))
  model.dispose()
  fs.copyFileSync(resourcePath('predict.py'), path.join(dir, 'predict.py'))
  fs.writeFileSync(path.join(dir, 'labels.json'), '["a", "b", "c"]')
  const onnx = { file: 'model.onnx', input: { name: 'input', layout: 'NHWC' }, output: { name: 'probabilities' } }
  fs.writeFileSync(
    path.join(dir, 'preprocessing.json'),
    JSON.stringify({ inputSize: 24, fit: 'cover', scaling: 'symmetric', onnx }),
  )
}

describe.runIf(usable.length > 0)('predict.py running model.onnx', () => {
  let files: string[] = []
  let dir = ''
  let studio: Prediction[] = []

  beforeAll(async () => {
    files = [
      ...(await makeImages(path.join(root, 'src', 'red'), 6, 0, 40, 30)),
      ...(await makeImages(path.join(root, 'src', 'blue'), 6, 100, 30, 40)),
    ]
    const s = Studio.init(path.join(root, 'proj'))
    try {
      await s.import(path.join(root, 'src'))
      const runId = await trainInProcess(s, { epochs: 1, inputSize: 24, batchSize: 8, patience: null, workers: 1 })
      dir = exportRun(s, runId, path.join(root, 'onnx-export'), { zip: false, format: 'onnx' }).dir
      fs.copyFileSync(resourcePath('predict.py'), path.join(dir, 'predict.py'))
      studio = await predictImages(s, runId, files)
    } finally {
      s.close()
    }
  }, 120_000)

  const predictPy = (runtime: string, args: string[]) => runPredictPy(dir, runtime, args)

  for (const runtime of usable) {
    it(`classifies an exported run's images as Studio does on ${runtime} (same top-1, within 0.02)`, () => {
      const lines = predictPy(runtime, files)
      expect(lines).toHaveLength(files.length)
      lines.forEach((line, i) => {
        expect(line.runtime).toMatch(runtime === 'reference' ? /ReferenceEvaluator/ : new RegExp(`^${runtime} \\d`))
        expect(line.label).toBe(studio[i]!.label)
        for (const [k, p] of Object.entries(line.probabilities))
          expect(Math.abs(p - studio[i]!.probabilities[k]!)).toBeLessThan(0.02)
      })
    }, 60_000)

    it(`answers what onnxruntime-node answers for predict.py's own input on ${runtime} (within 1e-5)`, async () => {
      // The 0.02 above is Pillow against libvips; on the same input the runtimes must agree to float precision.
      await expectOrtParity(dir, files.slice(0, 4), runtime)
    }, 60_000)
  }

  it('says why when the runtime asked for does not exist', () => {
    const env = { ...process.env, STUDIO_PREDICT_RUNTIME: 'tract' }
    const r = spawnSync(PYTHON, [path.join(dir, 'predict.py'), files[0]!], { encoding: 'utf8', env })
    expect(r.status).toBe(3)
    expect(r.stderr).toMatch(/STUDIO_PREDICT_RUNTIME is 'tract'; use one of onnxruntime, reference, numpy/)
  })
})

describe.runIf(usable.length > 0)("predict.py on every operator Studio's ONNX writer emits", () => {
  for (const runtime of usable) {
    it(`answers what onnxruntime-node answers on ${runtime} (within 1e-5)`, async () => {
      const dir = path.join(root, `every-layer-${runtime}`)
      everyLayerExport(dir)
      await expectOrtParity(dir, Object.values(images), runtime)
    }, 60_000)
  }
})
