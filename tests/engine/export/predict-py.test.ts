import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import sharp from 'sharp'
import { beforeAll, describe, expect, it } from 'vitest'
import { exportRun } from '../../../main/engine/export/bundle'
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
const canRun = canPreprocess && has('onnxruntime')
if (!canPreprocess) console.warn(`predict.py tests skipped: ${PYTHON} with numpy and Pillow is not available`)
if (canPreprocess && !canRun)
  console.warn(
    `predict.py: the onnxruntime part is skipped (${PYTHON} cannot import onnxruntime); preprocessing is tested`,
  )

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

describe.runIf(canRun)('predict.py with onnxruntime', () => {
  it("classifies an exported run's images as Studio does (same top-1, probabilities within 0.02)", async () => {
    const files = [
      ...(await makeImages(path.join(root, 'src', 'red'), 6, 0, 40, 30)),
      ...(await makeImages(path.join(root, 'src', 'blue'), 6, 100, 30, 40)),
    ]
    const s = Studio.init(path.join(root, 'proj'))
    try {
      await s.import(path.join(root, 'src'))
      const runId = await trainInProcess(s, { epochs: 1, inputSize: 24, batchSize: 8, patience: null, workers: 1 })
      const dir = exportRun(s, runId, path.join(root, 'onnx-export'), { zip: false, format: 'onnx' }).dir
      fs.copyFileSync(resourcePath('predict.py'), path.join(dir, 'predict.py'))
      const r = spawnSync(PYTHON, [path.join(dir, 'predict.py'), ...files], { encoding: 'utf8' })
      expect(r.status, r.stderr).toBe(0)
      const lines = r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Omit<Prediction, 'input'>)
      const studio = await predictImages(s, runId, files)
      lines.forEach((line, i) => {
        expect(line.label).toBe(studio[i]!.label)
        for (const [k, p] of Object.entries(line.probabilities))
          expect(Math.abs(p - studio[i]!.probabilities[k]!)).toBeLessThan(0.02)
      })
    } finally {
      s.close()
    }
  }, 120_000)
})
