import fs from 'node:fs'
import path from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { camModel, gradCam } from '../../../main/engine/explain/gradcam'
import { selectBackend } from '../../../main/engine/training/backend'
import { seedCnn } from '../../../main/engine/training/presets/seed-cnn-model'
import { modelArtifacts } from '../../../main/engine/training/model-io'
import { combine, loadBackbone, transferHead } from '../../../main/engine/training/transfer'

const MODELS = path.resolve(import.meta.dirname, '../../../../shared/models')

/** Conv → BN → ReLU6, depthwise → BN → ReLU blocks, then pooling and a softmax head: MobileNet's shape. */
function mobileNetLike(): tf.LayersModel {
  const input = tf.input({ shape: [32, 32, 3] })
  const bn = () => tf.layers.batchNormalization({ epsilon: 1e-3 })
  // Seeded weights: unseeded initialisers draw from Math.random, and some draws zero every class's map.
  let k = 10
  const init = () => tf.initializers.glorotUniform({ seed: k++ })
  let y = tf.layers
    .conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', useBias: false, kernelInitializer: init() })
    .apply(input) as tf.SymbolicTensor
  y = bn().apply(y) as tf.SymbolicTensor
  y = tf.layers.reLU({ maxValue: 6 }).apply(y) as tf.SymbolicTensor
  y = tf.layers
    .depthwiseConv2d({ kernelSize: 3, padding: 'same', useBias: false, depthwiseInitializer: init() })
    .apply(y) as tf.SymbolicTensor
  y = bn().apply(y) as tf.SymbolicTensor
  y = tf.layers
    .conv2d({ filters: 16, kernelSize: 1, useBias: false, kernelInitializer: init() })
    .apply(y) as tf.SymbolicTensor
  y = bn().apply(y) as tf.SymbolicTensor
  y = tf.layers.reLU({ maxValue: 6, name: 'last_relu' }).apply(y) as tf.SymbolicTensor
  y = tf.layers.globalAveragePooling2d({}).apply(y) as tf.SymbolicTensor
  y = tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: init() }).apply(y) as tf.SymbolicTensor
  const model = tf.model({ inputs: input, outputs: y })
  // Batch norms with real statistics, so folding them into the convolutions is exercised.
  let seed = 1
  for (const l of model.layers) {
    if (l.getClassName() !== 'BatchNormalization') continue
    tf.tidy(() =>
      l.setWeights(
        l.getWeights().map((w, i) => tf.randomUniform(w.shape, i === 3 ? 0.5 : -0.5, 1.5, 'float32', seed++)),
      ),
    )
  }
  return model
}

const maxDiff = (a: Float32Array, b: Float32Array) => Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i]!)))

beforeAll(async () => {
  await selectBackend('wasm')
})

describe('camModel', () => {
  it('runs a MobileNet-shaped chain as fused convolutions: the same map and probabilities, no leaked tensors', () => {
    const start = tf.memory().numTensors
    const model = mobileNetLike()
    const x = tf.randomUniform([1, 32, 32, 3], -1, 1, 'float32', 5) as tf.Tensor4D
    const want = [0, 1, 2].map((c) => gradCam(model, x, c))
    const cm = camModel(model)
    expect(cm.forward).toBe('3 fused convolutions')
    const before = tf.memory().numTensors
    const got = [0, 1, 2].map((c) => cm.cam(x, c))
    expect(tf.memory().numTensors).toBe(before)
    for (const [c, g] of got.entries()) {
      expect(g.layer).toBe('last_relu')
      expect(g.classIndex).toBe(c)
      expect(maxDiff(g.map, want[c]!.map)).toBeLessThan(1e-3)
      expect(maxDiff(g.probs, want[c]!.probs)).toBeLessThan(1e-4)
    }
    // Some class has a map at all (a random model's ReLU can zero the others).
    expect(got.some((g) => Math.abs(Math.max(...g.map) - 1) < 1e-6)).toBe(true)
    x.dispose()
    cm.dispose()
    // The fused copies of the weights go with the model.
    expect(tf.memory().numTensors).toBe(start)
  })

  it('keeps the layers where the chain has pooling (the seed CNN)', () => {
    const model = seedCnn(32, 3, 1)
    const cm = camModel(model)
    expect(cm.forward).toBe('layers')
    const x = tf.randomUniform([1, 32, 32, 3], 0, 1, 'float32', 2) as tf.Tensor4D
    expect(cm.cam(x).map).toEqual(gradCam(model, x).map)
    x.dispose()
    cm.dispose()
  })

  it.skipIf(!fs.existsSync(path.join(MODELS, 'mobilenet_v1_0.25_224', 'model.json')))(
    'fuses MobileNet v1 with its head up to conv_pw_13_relu and maps like the layers model',
    async () => {
      const backbone = await loadBackbone(MODELS, 'mobilenet_v1_0.25_224')
      // Saved and loaded as a run's model is: one flat chain (in memory the head's layers have two inbound nodes).
      const built = combine(backbone, transferHead(backbone.featureDim, 2, 3))
      const model = await tf.loadLayersModel(tf.io.fromMemory(await modelArtifacts(built)))
      backbone.dispose()
      const x = tf.randomUniform([1, 224, 224, 3], -1, 1, 'float32', 7) as tf.Tensor4D
      const cm = camModel(model)
      expect(cm.forward).toBe('27 fused convolutions')
      for (const c of [0, 1]) {
        const got = cm.cam(x, c)
        const want = gradCam(model, x, c)
        expect(got.layer).toBe('conv_pw_13_relu')
        expect(maxDiff(got.map, want.map)).toBeLessThan(1e-3)
        expect(maxDiff(got.probs, want.probs)).toBeLessThan(1e-4)
        if (c === 0) expect(Math.max(...want.map) + Math.max(...gradCam(model, x, 1).map)).toBeGreaterThan(0.99)
      }
      x.dispose()
      cm.dispose()
    },
    60_000,
  )
})
