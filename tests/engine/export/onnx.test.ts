import fs from 'node:fs'
import path from 'node:path'
import * as tf from '@tensorflow/tfjs'
import * as ort from 'onnxruntime-node'
import { afterAll, describe, expect, it } from 'vitest'
import { onnxFromArtifacts, toOnnx } from '../../../main/engine/export/onnx'
import { modelArtifacts } from '../../../main/engine/training/model-io'
import { seedCnn } from '../../../main/engine/training/presets/seed-cnn-model'
import { combine, loadBackbone, transferHead } from '../../../main/engine/training/transfer'
import { SHARED } from '../../helpers/fixtures'

// Parity: the ONNX bytes are decoded and run by onnxruntime (not by anything written here) and its
// probabilities compared with TF.js's own for the same NHWC input.

const made: tf.LayersModel[] = []
afterAll(() => made.forEach((m) => m.dispose()))

/** Deterministic pseudo-random values in [lo, hi). */
function values(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  let s = seed >>> 0
  const out = new Float32Array(n)
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    out[i] = lo + ((s >>> 8) / 2 ** 24) * (hi - lo)
  }
  return out
}

/** Runs both runtimes on the same batch; returns the largest probability difference and top-1 agreement. */
async function parity(model: tf.LayersModel, onnx: Uint8Array, batch: number, seed: number) {
  const [, h, w, c] = model.inputs[0]!.shape as number[]
  const data = values(batch * h! * w! * c!, seed)
  const expected = tf.tidy(() => (model.predict(tf.tensor4d(data, [batch, h!, w!, c!])) as tf.Tensor).arraySync())
  const session = await ort.InferenceSession.create(onnx)
  try {
    const out = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', data, [batch, h!, w!, c!]) })
    const got = out[session.outputNames[0]!]!
    const classes = got.dims[1]!
    const probs = got.data as Float32Array
    let maxDiff = 0
    let agree = 0
    ;(expected as number[][]).forEach((row, i) => {
      row.forEach((p, k) => (maxDiff = Math.max(maxDiff, Math.abs(p - probs[i * classes + k]!))))
      const mine = probs.subarray(i * classes, (i + 1) * classes)
      if (argmax(row) === argmax(Array.from(mine))) agree++
    })
    return { maxDiff, agree, batch, dims: got.dims }
  } finally {
    await session.release()
  }
}

const argmax = (v: number[]) => v.reduce((best, x, i) => (x > v[best]! ? i : best), 0)

/** Random (not trained) weights everywhere, batch-norm statistics included, so no layer is a no-op. */
function randomize(model: tf.LayersModel, seed: number): void {
  model.setWeights(
    model.weights.map((w, i) => {
      const shape = w.shape.map(Number)
      const n = shape.reduce((a, d) => a * d, 1)
      const positive = /moving_variance|gamma/.test(w.originalName)
      return tf.tensor(values(n, seed + i, positive ? 0.5 : -0.5, positive ? 1.5 : 0.5), shape)
    }),
  )
}

describe('ONNX export of the seed CNN', () => {
  for (const size of [32, 45]) {
    it(`matches TF.js within 1e-4 at ${size}×${size} input`, async () => {
      const model = seedCnn(size, 5, 3)
      made.push(model)
      const r = await parity(model, toOnnx(model), 4, size)
      expect(r.dims).toEqual([4, 5])
      expect(r.maxDiff).toBeLessThan(1e-4)
      expect(r.agree).toBe(4)
    })
  }

  // Zero-padded convolutions (recipe samePadding): the default at 28 px pads the last two, at 25 all three.
  for (const [size, padded] of [
    [28, 2],
    [25, 3],
  ] as const) {
    it(`matches TF.js within 1e-4 at ${size}×${size} with the last ${padded} convolutions padded`, async () => {
      const model = seedCnn(size, 5, 3, { beforeDense: 0, afterDense: 0 }, padded)
      made.push(model)
      const r = await parity(model, toOnnx(model), 4, size)
      expect(r.dims).toEqual([4, 5])
      expect(r.maxDiff).toBeLessThan(1e-4)
      expect(r.agree).toBe(4)
    })
  }

  it('matches TF.js within 1e-4 with batch normalization after each pooling (recipe batchNorm)', async () => {
    const model = seedCnn(28, 5, 3, { beforeDense: 0, afterDense: 0 }, 3, true)
    randomize(model, 17)
    made.push(model)
    const r = await parity(model, toOnnx(model), 4, 28)
    expect(r.dims).toEqual([4, 5])
    expect(r.maxDiff).toBeLessThan(1e-4)
    expect(r.agree).toBe(4)
  })

  it('gives the same bytes from the saved model.json + weights as from the model in memory', async () => {
    const model = seedCnn(24, 3, 9)
    made.push(model)
    const fromFiles = onnxFromArtifacts(await modelArtifacts(model))
    expect(Buffer.from(fromFiles).equals(Buffer.from(toOnnx(model)))).toBe(true)
  })
})

describe('ONNX export of every supported layer kind', () => {
  function allKinds(): tf.LayersModel {
    const input = tf.input({ shape: [29, 30, 3] })
    const L = tf.layers
    let y = L.zeroPadding2d({
      padding: [
        [1, 0],
        [2, 1],
      ],
    }).apply(input) as tf.SymbolicTensor
    y = L.conv2d({ filters: 6, kernelSize: 3, strides: 2, padding: 'same', useBias: false }).apply(
      y,
    ) as tf.SymbolicTensor
    y = L.batchNormalization({ epsilon: 1e-3 }).apply(y) as tf.SymbolicTensor
    y = L.reLU({ maxValue: 6 }).apply(y) as tf.SymbolicTensor
    y = L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', strides: 2 }).apply(
      y,
    ) as tf.SymbolicTensor
    y = L.activation({ activation: 'relu6' }).apply(y) as tf.SymbolicTensor
    y = L.conv2d({ filters: 8, kernelSize: [2, 3], padding: 'valid', activation: 'relu' }).apply(y) as tf.SymbolicTensor
    y = L.averagePooling2d({ poolSize: 2, strides: 1, padding: 'same' }).apply(y) as tf.SymbolicTensor
    y = L.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }).apply(y) as tf.SymbolicTensor
    y = L.reLU().apply(y) as tf.SymbolicTensor
    const pooled = L.globalAveragePooling2d({}).apply(y) as tf.SymbolicTensor
    y = L.reshape({ targetShape: [1, 1, 8] }).apply(pooled) as tf.SymbolicTensor
    y = L.conv2d({ filters: 8, kernelSize: 1, activation: 'linear' }).apply(y) as tf.SymbolicTensor
    y = L.flatten().apply(y) as tf.SymbolicTensor
    y = L.dropout({ rate: 0.5 }).apply(y) as tf.SymbolicTensor
    y = L.dense({ units: 7, activation: 'relu' }).apply(y) as tf.SymbolicTensor
    y = L.dense({ units: 4 }).apply(y) as tf.SymbolicTensor
    y = L.activation({ activation: 'softmax' }).apply(y) as tf.SymbolicTensor
    return tf.model({ inputs: input, outputs: y })
  }

  it('matches TF.js within 1e-4 with random weights (and the same top-1)', async () => {
    const model = allKinds()
    made.push(model)
    randomize(model, 11)
    const kinds = new Set(model.layers.map((l) => l.getClassName()))
    expect([...kinds].sort()).toEqual(
      [
        'Activation',
        'AveragePooling2D',
        'BatchNormalization',
        'Conv2D',
        'Dense',
        'DepthwiseConv2D',
        'Dropout',
        'Flatten',
        'GlobalAveragePooling2D',
        'InputLayer',
        'MaxPooling2D',
        'ReLU',
        'Reshape',
        'ZeroPadding2D',
      ].sort(),
    )
    const r = await parity(model, toOnnx(model, { opset: 17 }), 3, 5)
    expect(r.dims).toEqual([3, 4])
    expect(r.maxDiff).toBeLessThan(1e-4)
    expect(r.agree).toBe(3)
  })

  it('exports a transfer head on pooled features (Dropout removed, Gemm + softmax)', async () => {
    const head = transferHead(16, 3, 2)
    made.push(head)
    const input = tf.input({ shape: [9, 9, 3] })
    const conv = tf.layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu' }).apply(input) as tf.SymbolicTensor
    let y = tf.layers.globalAveragePooling2d({}).apply(conv) as tf.SymbolicTensor
    for (const layer of head.layers) y = layer.apply(y) as tf.SymbolicTensor
    const model = tf.model({ inputs: input, outputs: y })
    made.push(model)
    const r = await parity(model, toOnnx(model), 5, 8)
    expect(r.maxDiff).toBeLessThan(1e-4)
    expect(r.agree).toBe(5)
  })

  it('refuses layers it cannot translate, naming them', () => {
    const m = tf.sequential({
      layers: [tf.layers.conv2d({ inputShape: [8, 8, 3], filters: 2, kernelSize: 3 }), tf.layers.upSampling2d({})],
    })
    made.push(m)
    expect(() => toOnnx(m)).toThrow(/UpSampling2D\) has no ONNX export/)
  })
})

describe('ONNX export of a MobileNet v1 0.25 transfer model', () => {
  const models = path.join(SHARED, 'models')
  const present = fs.existsSync(path.join(models, 'mobilenet_v1_0.25_224/model.json'))
  if (!present) console.warn(`SKIPPED MobileNet ONNX parity: ${models}/mobilenet_v1_0.25_224 is absent`)

  it.skipIf(!present)('backbone cut at conv_pw_13_relu + pooling + head matches TF.js within 1e-4', async () => {
    const backbone = await loadBackbone(models, 'mobilenet_v1_0.25_224')
    const head = transferHead(backbone.featureDim, 6, 4)
    const model = combine(backbone, head)
    try {
      // As Studio saves a transfer run: one layers model, read back from its artifacts.
      const onnx = onnxFromArtifacts(await modelArtifacts(model))
      const r = await parity(model, onnx, 3, 21)
      expect(r.dims).toEqual([3, 6])
      expect(r.maxDiff).toBeLessThan(1e-4)
      expect(r.agree).toBe(3)
    } finally {
      // The combined model shares its layers with these two, which own them.
      backbone.dispose()
      head.dispose()
    }
  })
})
