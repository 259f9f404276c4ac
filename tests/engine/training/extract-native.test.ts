import path from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { selectBackend } from '../../../main/engine/training/backend'
import { batchInputs } from '../../../main/engine/training/extract-batch'
import { extractionRuntime, inputs, nativeRunner } from '../../../main/engine/training/extract-native'
import { featureRunner, localRunner, type FeatureRunner } from '../../../main/engine/training/extract-pool'
import { drawCopy, FEATURE_AUGMENT_OFF } from '../../../main/engine/training/feature-augment'
import { loadBackbone, type Backbone } from '../../../main/engine/training/transfer'
import { writeTinyMobileNet } from '../../helpers/tiny-mobilenet'
import { tmpDir } from '../../helpers/fixtures'
import { maxDiff, randomPixels } from '../../helpers/pixels'

const root = tmpDir()
const models = path.join(root, 'models')
const size = 32
let backbone: Backbone
let native: FeatureRunner | string
let ortMissing: string | null = null

const pixels = (n: number, seed: number) => randomPixels(n, size, seed)

beforeAll(async () => {
  await selectBackend('wasm')
  try {
    await import('onnxruntime-node')
  } catch (err) {
    ortMissing = (err as Error).message
    console.log(`extract-native: onnxruntime-node does not load here (${ortMissing}); its runner's checks are skipped`)
  }
  await writeTinyMobileNet(models, 'tiny', size)
  backbone = await loadBackbone(models, 'tiny', { inputSize: size })
  native = await nativeRunner(backbone)
}, 60_000)

afterAll(async () => {
  if (typeof native !== 'string') await native?.dispose()
  backbone?.dispose()
})

describe('the backbone input built in JavaScript', () => {
  it('is batchInputs bit for bit, plain and mirrored, for both scalings', () => {
    const px = pixels(3, 4)
    for (const scaling of ['symmetric', 'unit'] as const)
      for (const draws of [null, 'mirror'] as const) {
        const want = tf.tidy(() => batchInputs(px, 3, size, scaling, draws).dataSync() as Float32Array)
        expect(inputs(px, 3, size, scaling, draws)).toEqual(want)
      }
  })
})

describe('extraction on onnxruntime-node', () => {
  it('gives the TensorFlow.js features: plain, mirrored and augmented, batches of any length, in order', async (ctx) => {
    if (ortMissing) return ctx.skip()
    if (typeof native === 'string') throw new Error(native)
    expect(native.why).toMatch(/^onnxruntime-node [\d.]+ \(native kernels\)/)
    const local = localRunner(backbone)
    const draws = Array.from({ length: 5 }, (_, i) => drawCopy(FEATURE_AUGMENT_OFF, 7, `${i}abcdef0`, 1))
    const batches = [pixels(5, 1), pixels(1, 2), pixels(5, 3), pixels(9, 4), pixels(2, 5)]
    const kinds = [null, null, draws, null, 'mirror'] as const
    const n = (b: Uint8Array) => b.length / (size * size * 3)
    // Asked all at once, as extraction does: each answer belongs to its own batch.
    const got = await Promise.all(batches.map((b, i) => (native as FeatureRunner).run(b, n(b), kinds[i]!)))
    for (let i = 0; i < batches.length; i++) {
      const want = await local.run(batches[i]!, n(batches[i]!), kinds[i]!)
      expect(want.length).toBe(n(batches[i]!) * 16)
      expect(maxDiff(got[i]!, want)).toBeLessThan(1e-4)
    }
  }, 20_000)

  it('is what featureRunner picks by default, and STUDIO_EXTRACTION=tfjs keeps TensorFlow.js', async (ctx) => {
    const saved = process.env.STUDIO_EXTRACTION
    try {
      delete process.env.STUDIO_EXTRACTION
      const auto = await featureRunner(backbone, { backend: 'wasm', workers: 1 })
      if (ortMissing) expect(auto.why).toMatch(/not onnxruntime-node: onnxruntime-node does not load here/)
      else expect(auto.why).toMatch(/^onnxruntime-node/)
      await auto.dispose()
      process.env.STUDIO_EXTRACTION = 'tfjs'
      const plain = await featureRunner(backbone, { backend: 'wasm', workers: 1 })
      expect(plain.why).toBe('one thread (1 worker(s) by setting)')
      process.env.STUDIO_EXTRACTION = 'gpu'
      expect(() => extractionRuntime()).toThrow(/STUDIO_EXTRACTION must be auto, onnxruntime or tfjs \(got "gpu"\)/)
    } finally {
      if (saved === undefined) delete process.env.STUDIO_EXTRACTION
      else process.env.STUDIO_EXTRACTION = saved
    }
    if (ortMissing) ctx.skip()
  }, 20_000)

  it('refuses a graph backbone, and STUDIO_EXTRACTION=onnxruntime then fails naming why', async () => {
    const graph = { ...backbone, extractor: null, format: 'graph' as const }
    expect(await nativeRunner(graph)).toMatch(/graph backbone/)
    await expect(featureRunner(graph, { backend: 'wasm', workers: 1, runtime: 'onnxruntime' })).rejects.toThrow(
      /STUDIO_EXTRACTION=onnxruntime: a graph backbone/,
    )
  })
})
