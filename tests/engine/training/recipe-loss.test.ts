import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { selectBackend } from '../../../main/engine/training/backend'
import { compiledLoss, exampleLosses } from '../../../main/engine/training/losses'
import { shardGradients } from '../../../main/engine/training/shard'

beforeAll(async () => {
  await selectBackend('wasm')
})

const values = (t: tf.Tensor) => Array.from(t.dataSync())

describe('label smoothing', () => {
  it('takes the targets (1 − ε)·y + ε/k: −Σ y′ log p, class weights still the true class’s', () => {
    const p = [
      [0.7, 0.2, 0.1],
      [0.25, 0.25, 0.5],
    ]
    const labels = [0, 2]
    const yTrue = tf.oneHot(tf.tensor1d(labels, 'int32'), 3).toFloat()
    const yPred = tf.tensor2d(p)
    const eps = 0.1
    const expected = p.map((row, i) =>
      row.reduce((sum, q, j) => sum - ((j === labels[i] ? 1 - eps : 0) + eps / 3) * Math.log(q), 0),
    )
    const smoothed = exampleLosses(yTrue, yPred, null, eps)
    values(smoothed).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5))
    // It differs from the plain loss (which it keeps at ε = 0).
    const plain = exampleLosses(yTrue, yPred, null, 0)
    expect(values(plain)[0]).toBeCloseTo(-Math.log(0.7), 5)
    expect(Math.abs(values(smoothed)[0]! - values(plain)[0]!)).toBeGreaterThan(0.05)
    const w = tf.tensor1d([2, 1, 0.5])
    const weighted = exampleLosses(yTrue, yPred, w, eps)
    values(weighted).forEach((v, i) => expect(v).toBeCloseTo(expected[i]! * [2, 0.5][i]!, 5))
    tf.dispose([yTrue, yPred, smoothed, plain, w, weighted])
  })

  it('the single-thread step and the data-parallel shards compute the same smoothed loss', () => {
    const model = tf.sequential()
    model.add(
      tf.layers.dense({
        inputShape: [5],
        units: 3,
        activation: 'softmax',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }),
      }),
    )
    const xs = tf.randomNormal([8, 5], 0, 1, 'float32', 7)
    const ys = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 0, 1, 2, 2], 'int32'), 3).toFloat()
    const at = (eps: number) => {
      model.compile({ optimizer: tf.train.sgd(0.1), loss: compiledLoss(null, eps) })
      const compiled = model.evaluate(xs, ys, { batchSize: 8 }) as tf.Scalar
      const shard = shardGradients(model, xs, ys, 8, null, eps)
      const c = compiled.dataSync()[0]!
      expect(shard.lossSum / 8).toBeCloseTo(c, 5)
      tf.dispose([compiled, ...shard.grads])
      return c
    }
    expect(Math.abs(at(0.2) - at(0))).toBeGreaterThan(1e-3)
    tf.dispose([xs, ys])
    model.dispose()
  })
})
