import fs from 'node:fs'
import path from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { selectBackend } from '../../../main/engine/training/backend'
import { fuseChain } from '../../../main/engine/training/fused-backbone'
import { loadBackbone } from '../../../main/engine/training/transfer'
import { SHARED } from '../../helpers/fixtures'

// Feature extraction through folded, fused convolutions must give the layers model's features.
const relErr = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let num = 0
  let den = 0
  for (let i = 0; i < a.length; i++) {
    num += (a[i]! - b[i]!) ** 2
    den += b[i]! ** 2
  }
  return Math.sqrt(num / den)
}

/** Random, non-trivial batch-norm statistics and conv weights, deterministic. */
function randomize(model: tf.LayersModel): void {
  let seed = 1
  for (const layer of model.layers) {
    const ws = layer.getWeights()
    if (!ws.length) continue
    layer.setWeights(
      ws.map((w, i) => {
        const positive = layer.getClassName() === 'BatchNormalization' && (i === ws.length - 1 || i === 0)
        return positive
          ? tf.randomUniform(w.shape, 0.5, 1.5, 'float32', seed++)
          : tf.randomNormal(w.shape, 0, 0.5, 'float32', seed++)
      }),
    )
  }
}

/** A MobileNet-like chain ending at `cut`, with every block form fuseChain handles. */
function mobileNetLike(): tf.LayersModel {
  const input = tf.input({ shape: [21, 19, 3] })
  let y = tf.layers
    .conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', useBias: false })
    .apply(input) as tf.SymbolicTensor
  y = tf.layers.batchNormalization({ epsilon: 1e-3 }).apply(y) as tf.SymbolicTensor
  y = tf.layers.activation({ activation: 'relu6' }).apply(y) as tf.SymbolicTensor
  y = tf.layers
    .depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', useBias: false })
    .apply(y) as tf.SymbolicTensor
  y = tf.layers.batchNormalization({ epsilon: 1e-3 }).apply(y) as tf.SymbolicTensor
  y = tf.layers.reLU({ maxValue: 6 }).apply(y) as tf.SymbolicTensor
  y = tf.layers.conv2d({ filters: 12, kernelSize: 1, activation: 'relu' }).apply(y) as tf.SymbolicTensor // own bias and activation
  y = tf.layers.dropout({ rate: 0.3 }).apply(y) as tf.SymbolicTensor
  y = tf.layers.conv2d({ filters: 16, kernelSize: 3, strides: 2, padding: 'valid' }).apply(y) as tf.SymbolicTensor // bias, then BN without scale
  y = tf.layers.batchNormalization({ epsilon: 1e-2, scale: false }).apply(y) as tf.SymbolicTensor
  y = tf.layers.activation({ activation: 'relu', name: 'cut_here' }).apply(y) as tf.SymbolicTensor
  y = tf.layers.globalAveragePooling2d({}).apply(y) as tf.SymbolicTensor
  return tf.model({ inputs: input, outputs: y })
}

beforeAll(async () => {
  await selectBackend('wasm')
})

describe('fused backbone chains', () => {
  it('conv / depthwise + batch norm + ReLU6 / ReLU blocks, dropout, biases: the same features as the layers model', () => {
    const model = mobileNetLike()
    randomize(model)
    const fused = fuseChain(model, model.getLayer('cut_here'))
    expect(fused).not.toBeNull()
    expect(fused!.blocks).toBe(4)
    const x = tf.randomUniform([3, 21, 19, 3], -1, 1, 'float32', 9) as tf.Tensor4D
    const want = (model.predict(x) as tf.Tensor).dataSync()
    const got = fused!.features(x)
    expect(got.shape).toEqual([3, 16])
    expect(relErr(got.dataSync(), want)).toBeLessThan(1e-5)
    const before = tf.memory().numTensors
    fused!.features(x).dispose()
    expect(tf.memory().numTensors).toBe(before)
    tf.dispose([x, got])
    fused!.dispose()
    model.dispose()
  })

  it('a layer it cannot fuse (max pooling) leaves the layers model in charge', () => {
    const m = tf.sequential()
    m.add(tf.layers.conv2d({ inputShape: [8, 8, 3], filters: 4, kernelSize: 3 }))
    m.add(tf.layers.maxPooling2d({ poolSize: 2 }))
    m.add(tf.layers.conv2d({ filters: 4, kernelSize: 1, name: 'last' }))
    const before = tf.memory().numTensors
    expect(fuseChain(m, m.getLayer('last'))).toBeNull()
    expect(tf.memory().numTensors).toBe(before)
    m.dispose()
  })

  const mobilenet = path.join(SHARED, 'models/mobilenet_v1_0.25_224/model.json')
  if (!fs.existsSync(mobilenet)) console.warn(`SKIPPED fused MobileNet check: ${mobilenet} is absent`)
  it.skipIf(!fs.existsSync(mobilenet))(
    'the real MobileNet-0.25 (layers) extracts through 27 fused convolutions, matching its layers model',
    async () => {
      const bb = await loadBackbone(path.join(SHARED, 'models'), 'mobilenet_v1_0.25_224')
      expect(bb.path).toMatch(/layers model run as 27 fused convolutions/)
      const x = tf.randomUniform([2, 224, 224, 3], -1, 1, 'float32', 3) as tf.Tensor4D
      const got = bb.features(x)
      const want = bb.extractor!.predict(x) as tf.Tensor
      expect(got.shape).toEqual([2, 256])
      expect(relErr(got.dataSync(), want.dataSync())).toBeLessThan(1e-4)
      tf.dispose([x, got, want])
      bb.dispose()
    },
    60_000,
  )
})
