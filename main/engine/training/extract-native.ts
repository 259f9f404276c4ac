import type * as Ort from 'onnxruntime-common'
import * as tf from '@tensorflow/tfjs'
import { toOnnx } from '../export/onnx/index'
import { errorMessage } from '../errors'
import type { Backbone } from './backbone-load'
import { batchInputs, type Draws } from './extract-batch'
import type { FeatureRunner } from './extract-pool'
import type { Scaling } from './presets/scaling'

/**
 * Feature extraction through ONNX Runtime's native CPU kernels (onnxruntime-node), where that
 * package loads: the layers backbone, pooling included, converted once per run by Studio's own
 * ONNX exporter (export/onnx) and run on this thread with one intra-op thread. On MobileNet v1
 * 0.75 it takes about a third of the CPU time of the wasm backend's fused convolutions (bench/RESULTS.md,
 * "Extraction speed, again"), so one core runs the backbone while sharp decodes on the other, and
 * no extraction threads need to start. onnxruntime-node is a dependency whose native library the
 * desktop packages ship for their platform; where it does not load, the wasm pool runs (extract-pool.ts).
 *
 * The runtime blocks this thread while it runs, so a batch runs a few images at a time with a
 * turn of the event loop between (sharp's finished decodes start the next ones meanwhile).
 */

/** How extraction picks its runtime: STUDIO_EXTRACTION=auto (ONNX Runtime where it loads) | onnxruntime | tfjs. */
export type ExtractionRuntime = 'auto' | 'onnxruntime' | 'tfjs'

export function extractionRuntime(): ExtractionRuntime {
  const v = process.env.STUDIO_EXTRACTION?.trim()
  if (!v || v === 'auto') return 'auto'
  if (v === 'onnxruntime' || v === 'tfjs') return v
  throw new Error(`STUDIO_EXTRACTION must be auto, onnxruntime or tfjs (got ${JSON.stringify(v)})`)
}

/** Images per call into the runtime: small batches keep the activations in cache (measured: 1–4 fastest). */
const SUB_BATCH = 4

/** Largest difference a converted backbone may show from the TensorFlow.js features on the check image. */
const TOLERANCE = 1e-3

/**
 * A runner on ONNX Runtime, or why there is none (not installed, a graph backbone, a layer the
 * exporter does not convert, features that differ from TensorFlow.js's on a check image).
 */
export async function nativeRunner(backbone: Backbone): Promise<FeatureRunner | string> {
  if (!backbone.extractor) return 'a graph backbone (only layers backbones convert)'
  let ort: typeof Ort
  let version: string
  try {
    // Loaded on first use: its native library is not needed until a run extracts features.
    ort = (await import('onnxruntime-node')) as typeof Ort
    version = (ort.env.versions as Record<string, string | undefined>).node ?? ''
  } catch (err) {
    return `onnxruntime-node does not load here: ${errorMessage(err).split('\n')[0]}`
  }
  let session: Ort.InferenceSession
  try {
    const bytes = toOnnx(backbone.extractor, { inputName: 'x', outputName: 'features' })
    session = await ort.InferenceSession.create(bytes, {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    })
  } catch (err) {
    return `the backbone did not convert for onnxruntime-node: ${errorMessage(err).split('\n')[0]}`
  }
  const size = backbone.inputSize
  const per = size * size * 3
  const dim = backbone.featureDim
  const runSync = async (x: Float32Array, n: number): Promise<Float32Array> => {
    const out = await session.run({ x: new ort.Tensor('float32', x, [n, size, size, 3]) })
    const y = out.features!
    const data = y.data as Float32Array
    y.dispose()
    return data
  }
  // The converted model must give TensorFlow.js's features (float rounding apart) on a check image.
  const check = new Uint8Array(per)
  for (let i = 0, s = 1; i < per; i++) {
    s = (s * 1103515245 + 12345) >>> 0
    check[i] = s >>> 24
  }
  try {
    const want = tf.tidy(
      () => backbone.features(batchInputs(check, 1, size, backbone.scaling, null)).dataSync() as Float32Array,
    )
    const got = await runSync(inputs(check, 1, size, backbone.scaling, null), 1)
    let diff = got.length === want.length ? 0 : Infinity
    for (let i = 0; i < want.length && diff <= TOLERANCE; i++) diff = Math.max(diff, Math.abs(got[i]! - want[i]!))
    if (!(diff <= TOLERANCE)) {
      await session.release()
      return `onnxruntime-node's features differ from TensorFlow.js's by ${diff.toPrecision(2)} on the check image`
    }
  } catch (err) {
    await session.release()
    return `onnxruntime-node could not run the backbone: ${errorMessage(err).split('\n')[0]}`
  }
  const buffer = new Float32Array(SUB_BATCH * per)
  // Batches run one after another, in the order asked.
  let queue: Promise<unknown> = Promise.resolve()
  const runBatch = async (pixels: Uint8Array, n: number, draws: Draws): Promise<Float32Array> => {
    // Augmented copies are made by TensorFlow.js for the whole batch; plain and mirrored images
    // are scaled a few at a time into one buffer.
    const all = draws && draws !== 'mirror' ? inputs(pixels, n, size, backbone.scaling, draws) : null
    const out = new Float32Array(n * dim)
    for (let s = 0; s < n; s += SUB_BATCH) {
      const k = Math.min(SUB_BATCH, n - s)
      const x =
        all?.subarray(s * per, (s + k) * per) ??
        inputs(pixels.subarray(s * per, (s + k) * per), k, size, backbone.scaling, draws, buffer.subarray(0, k * per))
      out.set(await runSync(x, k), s * dim)
      // Let finished decodes hand out the next ones before the next few images.
      await new Promise((r) => setImmediate(r))
    }
    return out
  }
  return {
    threads: 1,
    why: `onnxruntime-node${version ? ` ${version}` : ''} (native kernels) on this thread, one intra-op thread; decoding on the others`,
    depth: 2,
    run: (pixels, n, draws) => {
      const p = queue.then(() => runBatch(pixels, n, draws))
      queue = p.catch(() => {})
      return p
    },
    dispose: async () => {
      await queue
      await session.release()
    },
  }
}

export function inputs(
  pixels: Uint8Array,
  n: number,
  size: number,
  scaling: Scaling,
  draws: Draws,
  into = new Float32Array(n * size * size * 3),
): Float32Array {
  if (draws && draws !== 'mirror') {
    into.set(tf.tidy(() => batchInputs(pixels, n, size, scaling, draws).dataSync() as Float32Array))
    return into
  }
  // In float32, as presets/scaling.ts: a uint8 divided in double and rounded to float32 is the
  // float32 quotient, and the − 1 is rounded once as it is stored.
  const unit = scaling === 'unit'
  const len = n * size * size * 3
  if (!draws) {
    if (unit) for (let i = 0; i < len; i++) into[i] = pixels[i]! / 255
    else for (let i = 0; i < len; i++) into[i] = Math.fround(pixels[i]! / 127.5) - 1
    return into
  }
  // Mirrored: each row's pixels in reverse order, each pixel's channels kept.
  const row = size * 3
  for (let r = 0; r < n * size; r++) {
    const o = r * row
    for (let c = 0; c < size; c++) {
      const from = o + (size - 1 - c) * 3
      const to = o + c * 3
      for (let ch = 0; ch < 3; ch++) {
        const v = pixels[from + ch]!
        into[to + ch] = unit ? v / 255 : Math.fround(v / 127.5) - 1
      }
    }
  }
  return into
}
