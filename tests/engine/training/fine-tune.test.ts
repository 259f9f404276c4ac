import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { selectBackend } from '../../../main/engine/training/backend'
import { fineTune, tailFeatures, tailOf, type Maps } from '../../../main/engine/training/fine-tune'
import { fuseChain } from '../../../main/engine/training/fused-backbone'
import { tinyMobileNet } from '../../helpers/tiny-mobilenet'

function head(dim: number): tf.Sequential {
  const h = tf.sequential()
  h.add(tf.layers.dense({ inputShape: [dim], units: 2, activation: 'softmax', kernelInitializer: 'glorotUniform' }))
  return h
}

beforeAll(async () => {
  await selectBackend('wasm')
})

describe('fine-tuning the last stages', () => {
  it('stages follow the depthwise-separable blocks; the frozen part plus the layers tail gives the fused features', () => {
    const { model, extractor } = tinyMobileNet()
    const fused = fuseChain(model, model.layers.at(-1)!)!
    expect(fused.stages.map((s) => s.layer)).toEqual(['conv1', 'conv_dw_1', 'conv_dw_2'])
    const tail = tailOf(extractor, 'conv_dw_2')
    expect(tail.layers.map((l) => l.name)).toEqual([
      'conv_dw_2',
      'conv_dw_2_bn',
      'conv_dw_2_relu',
      'conv_pw_2',
      'conv_pw_2_bn',
      'conv_pw_2_relu',
    ])
    const x = tf.randomUniform([3, 16, 16, 3], -1, 1, 'float32', 5) as tf.Tensor4D
    const want = fused.features(x)
    const map = fused.mapUntil(x, 2)
    const got = tail.forward(map)
    const layers = extractor.predict(x) as tf.Tensor
    expect(got.sub(want).abs().max().dataSync()[0]).toBeLessThan(1e-4)
    expect(layers.sub(want).abs().max().dataSync()[0]).toBeLessThan(1e-4)
    expect(() => tailOf(extractor, 'nope')).toThrow(/cannot fine-tune from layer "nope"/)
    tf.dispose([x, want, map, got, layers])
    fused.dispose()
    extractor.dispose()
  })

  it('changes only the unfrozen layers’ weights and the head, never batch norm’s moving statistics; no tensor leaks', async () => {
    const { model, extractor } = tinyMobileNet()
    const fused = fuseChain(model, model.layers.at(-1)!)!
    const before = new Map(extractor.weights.map((w) => [w.originalName, w.read().dataSync().slice()]))
    const x = tf.randomUniform([12, 16, 16, 3], -1, 1, 'float32', 6) as tf.Tensor4D
    const map = fused.mapUntil(x, 2)
    const flipped = fused.mapUntil(tf.reverse(x, 2) as tf.Tensor4D, 2)
    const shape = map.shape.slice(1) as [number, number, number]
    const labels = Int32Array.from({ length: 12 }, (_, i) => i % 2)
    const train: Maps = {
      imageIds: [...labels.keys()],
      labels,
      passes: [map.dataSync() as Float32Array, flipped.dataSync() as Float32Array],
      shape,
    }
    tf.dispose([x, map, flipped])
    const h = head(16)
    const headBefore = h.getWeights().map((w) => w.dataSync().slice())
    const tail = tailOf(extractor, 'conv_dw_2')
    const tensors = tf.memory().numTensors
    const epochs: number[] = []
    const ended = await fineTune({
      tail,
      head: h,
      train,
      val: { ...train, passes: [train.passes[0]!] },
      epochs: 2,
      learningRate: 0.01,
      batchSize: 5,
      seed: 1,
      labelSmoothing: 0,
      firstEpoch: 7,
      cancelled: () => false,
      onEpoch: (l) => {
        epochs.push(l.epoch)
        expect(Number.isFinite(l.loss) && Number.isFinite(l.valLoss!)).toBe(true)
      },
    })
    expect(ended).toBe('done')
    expect(epochs).toEqual([7, 8])
    expect(tf.memory().numTensors).toBe(tensors)
    const changed = extractor.weights
      .filter((w) => {
        const a = before.get(w.originalName)!
        const b = w.read().dataSync()
        return a.some((v, i) => v !== b[i])
      })
      .map((w) => w.originalName)
      .sort()
    expect(changed).toEqual(
      [
        'conv_dw_2/depthwise_kernel',
        'conv_dw_2_bn/gamma',
        'conv_dw_2_bn/beta',
        'conv_pw_2/kernel',
        'conv_pw_2_bn/gamma',
        'conv_pw_2_bn/beta',
      ].sort(),
    )
    expect(h.getWeights().every((w, i) => w.dataSync().some((v, j) => v !== headBefore[i]![j]))).toBe(true)
    // The tuned tail gives one vector per image.
    expect(tailFeatures(tail, train, 5)).toHaveLength(12 * 16)
    h.dispose()
    fused.dispose()
    extractor.dispose()
  })

  it('stops between batches when cancelled', async () => {
    const { extractor } = tinyMobileNet()
    const labels = Int32Array.from([0, 1, 0, 1])
    const train: Maps = { imageIds: [0, 1, 2, 3], labels, passes: [new Float32Array(4 * 8 * 8 * 8)], shape: [8, 8, 8] }
    const h = head(16)
    const ended = await fineTune({
      tail: tailOf(extractor, 'conv_dw_2'),
      head: h,
      train,
      val: null,
      epochs: 3,
      learningRate: 0.001,
      batchSize: 2,
      seed: 1,
      labelSmoothing: 0,
      firstEpoch: 1,
      cancelled: () => true,
      onEpoch: () => {
        throw new Error('no epoch may end')
      },
    })
    expect(ended).toBe('cancelled')
    h.dispose()
    extractor.dispose()
  })
})
