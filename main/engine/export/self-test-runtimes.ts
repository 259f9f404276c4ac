import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import * as tf from '@tensorflow/tfjs'
import type * as Ort from 'onnxruntime-common'
import sharp from 'sharp'
import type { FormatToTest, OnnxRuntimePackage } from './self-test-protocol'

/**
 * How the self-test process loads each exported format, as a user of the export would: the TF.js
 * formats with @tensorflow/tfjs, ONNX with onnxruntime, every image decoded from its original file
 * through what the export documents (preprocessing.json, or Teachable Machine's own steps). Nothing
 * of Studio's engine is imported here: the test is only as good as the files it reads.
 */

export interface Runtime {
  /** Package, version and backend, e.g. "@tensorflow/tfjs 4.22.0 (wasm backend)". */
  name: string
  /** What the images went through, in words. */
  preprocessing: string
  /** Probabilities per file; null for a file that could not be decoded. */
  classify(files: string[]): Promise<(Float32Array | null)[]>
  dispose(): Promise<void>
}

/** The subset of preprocessing.json the self-test reads (main/engine/runs/preprocessing.ts writes it). */
interface Pre {
  inputSize: number
  fit: 'cover' | 'contain'
  scaling: 'unit' | 'symmetric'
  backbone: { folder: string; output: string } | null
  onnx?: { input: { name: string; layout: 'NHWC' | 'NCHW' }; output: { name: string } }
  /** 'flip': the mean of the image's and its mirror image's probabilities (test-time augmentation). */
  tta?: 'flip' | null
}

type ModelJson = {
  modelTopology: object
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[]
}

const requireHere = createRequire(import.meta.url)
const readJson = <T>(file: string): T => JSON.parse(fs.readFileSync(file, 'utf8')) as T

/**
 * The runtime for one format, or a string saying why it is not installed here. `onnxRuntimes`: the
 * ONNX runtimes to try, in order (default: onnxRuntimeOrder()).
 */
export async function openRuntime(
  dir: string,
  f: FormatToTest,
  onnxRuntimes: readonly OnnxRuntimePackage[] = onnxRuntimeOrder(),
): Promise<Runtime | string> {
  const modelFile = path.join(dir, f.modelFile)
  if (f.format === 'onnx') return openOnnx(modelFile, preprocessingFor(dir, modelFile), onnxRuntimes)
  const backend = await tfBackend()
  const model = await tf.loadLayersModel(tf.io.fromMemory(artifacts(modelFile)))
  const name = `@tensorflow/tfjs ${tf.version.tfjs} (${backend} backend)`
  if (f.format === 'tm') return tmRuntime(model, path.dirname(modelFile), name)
  const pre = preprocessingFor(dir, modelFile)
  // A graph-model backbone sits beside its head (backbone/, or tfjs-float16/backbone/ for a quantized copy).
  const backbone = pre.backbone ? path.join(path.dirname(modelFile), pre.backbone.folder, 'model.json') : null
  const graph = backbone ? await tf.loadGraphModel(tf.io.fromMemory(artifacts(backbone))) : null
  return {
    name,
    preprocessing: `preprocessing.json: ${pre.fit} to ${pre.inputSize} px, ${scalingWords(pre.scaling)}${ttaWords(pre)}`,
    classify: (files) =>
      batchOf(
        files,
        pre.inputSize,
        (file) => decode(file, pre),
        (x) => {
          const scaled = pre.scaling === 'unit' ? x.div(255) : x.div(127.5).sub(1)
          const probs = (v: tf.Tensor) => {
            const input =
              graph && pre.backbone ? (graph.execute(v, pre.backbone.output) as tf.Tensor).reshape([x.shape[0], -1]) : v
            return model.predict(input) as tf.Tensor
          }
          return pre.tta === 'flip'
            ? probs(scaled)
                .add(probs(tf.reverse(scaled, 2)))
                .div(2)
            : probs(scaled)
        },
      ),
    dispose: async () => {
      model.dispose()
      graph?.dispose()
    },
  }
}

/** The preprocessing.json beside the model file, else the export's own. */
function preprocessingFor(dir: string, modelFile: string): Pre {
  const beside = path.join(path.dirname(modelFile), 'preprocessing.json')
  return readJson<Pre>(fs.existsSync(beside) ? beside : path.join(dir, 'preprocessing.json'))
}

const scalingWords = (s: Pre['scaling']) => (s === 'unit' ? 'x / 255' : 'x / 127.5 − 1')
const ttaWords = (pre: Pre) => (pre.tta === 'flip' ? ', mean with the mirror image' : '')

/** An s × s RGB image mirrored left to right (what tf.reverse on the width axis does to a tensor). */
function mirrorRaw(raw: Buffer, s: number): Buffer {
  const out = Buffer.alloc(raw.length)
  for (let y = 0; y < s; y++)
    for (let x = 0; x < s; x++) raw.copy(out, (y * s + (s - 1 - x)) * 3, (y * s + x) * 3, (y * s + x) * 3 + 3)
  return out
}

/** Decodes as predict.mjs does: EXIF orientation, resize with the fit, alpha dropped, sRGB, 8-bit RGB. */
async function decode(file: string, pre: Pick<Pre, 'inputSize' | 'fit'>): Promise<Buffer> {
  const s = pre.inputSize
  return sharp(file, { failOn: 'none' })
    .rotate()
    .resize(s, s, { fit: pre.fit, background: { r: 0, g: 0, b: 0 } })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer()
}

/**
 * Teachable Machine's image preprocessing (@teachablemachine/image 0.8: utils/canvas.js `cropTo`,
 * utils/tf.js `capture`): scale the shorter side to imageSize (sides rounded up), crop the centre
 * square at floor(overhang / 2), then x / 127 − 1.
 */
function tmRuntime(model: tf.LayersModel, folder: string, name: string): Runtime {
  const meta = readJson<{ imageSize?: number; labels?: string[] }>(path.join(folder, 'metadata.json'))
  const size = meta.imageSize ?? 224
  const crop = async (file: string) => {
    const m = await sharp(file, { failOn: 'none' }).metadata()
    const turned = (m.orientation ?? 1) >= 5
    const w = (turned ? m.height : m.width) ?? size
    const h = (turned ? m.width : m.height) ?? size
    const scale = size / Math.min(w, h)
    const sw = Math.ceil(w * scale)
    const sh = Math.ceil(h * scale)
    return sharp(file, { failOn: 'none' })
      .rotate()
      .resize(sw, sh, { fit: 'fill' })
      .extract({ left: Math.floor((sw - size) / 2), top: Math.floor((sh - size) / 2), width: size, height: size })
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer()
  }
  return {
    name,
    preprocessing: `Teachable Machine: centre crop to ${size} px, x / 127 − 1 (metadata.json)`,
    classify: (files) => batchOf(files, size, crop, (x) => model.predict(x.div(127).sub(1)) as tf.Tensor),
    dispose: async () => {
      model.dispose()
    },
  }
}

/** Decodes each file, runs the batch of the readable ones and puts null where a file could not be read. */
async function batchOf(
  files: string[],
  size: number,
  read: (file: string) => Promise<Buffer>,
  run: (x: tf.Tensor4D) => tf.Tensor,
): Promise<(Float32Array | null)[]> {
  const raws = await Promise.all(files.map((f) => read(f).catch(() => null)))
  const ok = raws.flatMap((r) => (r ? [r] : []))
  if (!ok.length) return raws.map(() => null)
  const probs = tf.tidy(() => {
    const x = tf.tensor4d(Buffer.concat(ok), [ok.length, size, size, 3], 'int32')
    return run(x).dataSync() as Float32Array
  })
  const k = probs.length / ok.length
  let j = 0
  return raws.map((r) => (r ? probs.slice(k * j, k * ++j) : null))
}

/** model.json + its weight shards as TF.js artifacts (TF.js dequantizes quantized weights as it loads them). */
function artifacts(modelJson: string): tf.io.ModelArtifacts {
  const m = readJson<ModelJson>(modelJson)
  const folder = path.dirname(modelJson)
  const shards = m.weightsManifest.flatMap((g) => g.paths.map((p) => fs.readFileSync(path.join(folder, p))))
  const data = Buffer.concat(shards)
  return {
    modelTopology: m.modelTopology,
    weightSpecs: m.weightsManifest.flatMap((g) => g.weights),
    weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength),
  }
}

let backendName: string | null = null

/** TF.js's own WebAssembly backend (none of Studio's kernel changes), else its pure-JS one. */
async function tfBackend(): Promise<string> {
  if (backendName) return backendName
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm')
    const file = requireHere.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')
    wasm.setWasmPaths(path.dirname(file) + path.sep)
    if (!(await tf.setBackend('wasm'))) throw new Error('wasm did not initialise')
  } catch {
    await tf.setBackend('cpu')
  }
  await tf.ready()
  backendName = tf.getBackend()
  return backendName
}

const ONNX_RUNTIMES: readonly OnnxRuntimePackage[] = ['onnxruntime-node', 'onnxruntime-web']

/**
 * onnxruntime-node (native), else, where its library does not load, onnxruntime-web (WebAssembly,
 * which runs in Node). Both are dependencies and ship in the desktop packages.
 * STUDIO_ONNX_RUNTIME=onnxruntime-web (or -node) names the one to use, e.g. to check the fallback.
 */
export function onnxRuntimeOrder(env: NodeJS.ProcessEnv = process.env): readonly OnnxRuntimePackage[] {
  const named = env.STUDIO_ONNX_RUNTIME?.trim()
  if (!named) return ONNX_RUNTIMES
  const found = ONNX_RUNTIMES.find((p) => p === named || p === `onnxruntime-${named}`)
  if (!found) throw new Error(`STUDIO_ONNX_RUNTIME is "${named}"; use onnxruntime-node or onnxruntime-web`)
  return [found]
}

/** The first of `order` that loads, with its name and version; a string when none does. */
async function loadOrt(order: readonly OnnxRuntimePackage[]): Promise<{ ort: typeof Ort; name: string } | string> {
  const why: string[] = []
  for (const pkg of order) {
    try {
      const ort = (await import(/* @vite-ignore */ pkg)) as typeof Ort
      const versions = ort.env.versions as Record<string, string | undefined>
      const version = versions[pkg === 'onnxruntime-web' ? 'web' : 'node'] ?? versions.common ?? ''
      if (pkg === 'onnxruntime-web') {
        // One thread: the self-test needs no worker threads, and starting none keeps it away from
        // where a packaged app keeps the package (an asar archive); the .wasm is read with fs.
        ort.env.wasm.numThreads = 1
        return { ort, name: `onnxruntime-web ${version} (WebAssembly, in Node)` }
      }
      return { ort, name: `${pkg} ${version}`.trim() }
    } catch (err) {
      why.push(`${pkg}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`)
    }
  }
  return `no ONNX runtime could be loaded here (${why.join('; ')})`
}

async function openOnnx(modelFile: string, pre: Pre, order: readonly OnnxRuntimePackage[]): Promise<Runtime | string> {
  const found = await loadOrt(order)
  if (typeof found === 'string') return found
  const { ort, name } = found
  if (!pre.onnx) throw new Error('preprocessing.json does not describe model.onnx (no "onnx" field)')
  const io = pre.onnx
  const session = await ort.InferenceSession.create(fs.readFileSync(modelFile))
  const s = pre.inputSize
  return {
    name,
    preprocessing: `preprocessing.json: ${pre.fit} to ${s} px, ${scalingWords(pre.scaling)}, ${io.input.layout}${ttaWords(pre)}`,
    classify: async (files) => {
      const raws = await Promise.all(files.map((f) => decode(f, pre).catch(() => null)))
      const read = raws.flatMap((r) => (r ? [r] : []))
      if (!read.length) return raws.map(() => null)
      // With test-time augmentation the mirror images follow as a second half of the batch.
      const ok = pre.tta === 'flip' ? [...read, ...read.map((r) => mirrorRaw(r, s))] : read
      const x = new Float32Array(ok.length * s * s * 3)
      ok.forEach((raw, n) => {
        for (let i = 0; i < s * s; i++)
          for (let c = 0; c < 3; c++) {
            const v = raw[i * 3 + c]!
            const at = io.input.layout === 'NCHW' ? (n * 3 + c) * s * s + i : (n * s * s + i) * 3 + c
            x[at] = pre.scaling === 'unit' ? v / 255 : v / 127.5 - 1
          }
      })
      const shape = io.input.layout === 'NCHW' ? [ok.length, 3, s, s] : [ok.length, s, s, 3]
      const out = await session.run({ [io.input.name]: new ort.Tensor('float32', x, shape) })
      const all = out[io.output.name]!.data as Float32Array
      const k = all.length / ok.length
      const half = read.length * k
      const probs = pre.tta === 'flip' ? all.slice(0, half).map((v, i) => (v + all[half + i]!) / 2) : all
      let j = 0
      return raws.map((r) => (r ? probs.slice(k * j, k * ++j) : null))
    },
    dispose: () => session.release(),
  }
}
