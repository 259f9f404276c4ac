import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { selectBackend } from '../../../main/engine/training/backend'
import { compiledLoss, exampleLosses, inverseFrequency } from '../../../main/engine/training/losses'
import { shardGradients } from '../../../main/engine/training/shard'

beforeAll(async () => {
  await selectBackend('wasm')
})

const values = (t: tf.Tensor) => Array.from(t.dataSync())

describe('the training loss', () => {
  it('is tfjs-layers’ categorical cross-entropy: predictions normalised and clipped, per example', () => {
    const yTrue = tf.tensor2d([
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ])
    // Rows that do not sum to 1, and a zero probability for the true class (clipped to 1e-7).
    const yPred = tf.tensor2d([
      [2, 1, 1],
      [0.2, 0.3, 0.5],
      [1, 1, 0],
    ])
    const ours = exampleLosses(yTrue, yPred, null)
    const theirs = tf.metrics.categoricalCrossentropy(yTrue, yPred)
    const expected = [-Math.log(0.5), -Math.log(0.3), -Math.log(1e-7)]
    values(ours).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 4))
    values(theirs).forEach((v, i) => expect(v).toBeCloseTo(values(ours)[i]!, 5))
    const w = tf.tensor1d([1, 2, 0.5])
    const weighted = exampleLosses(yTrue, yPred, w)
    values(weighted).forEach((v, i) => expect(v).toBeCloseTo(expected[i]! * [1, 2, 0.5][i]!, 4))
    tf.dispose([yTrue, yPred, ours, theirs, w, weighted])
  })

  it('the single-thread step (model.compile) and the data-parallel shards compute the same loss', () => {
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
    for (const weights of [null, tf.tensor1d([0.5, 2, 1])]) {
      model.compile({ optimizer: tf.train.sgd(0.1), loss: compiledLoss(weights) })
      const compiled = model.evaluate(xs, ys, { batchSize: 8 }) as tf.Scalar
      const shard = shardGradients(model, xs, ys, 8, weights)
      expect(shard.lossSum / 8).toBeCloseTo(compiled.dataSync()[0]!, 5)
      tf.dispose([compiled, ...shard.grads])
      weights?.dispose()
    }
    tf.dispose([xs, ys])
    model.dispose()
  })

  it('inverse class frequency weighs every class alike, and an absent class not at all', () => {
    expect(inverseFrequency(Int32Array.from([0, 0, 0, 1]), 3)).toEqual(Float32Array.from([4 / 9, 4 / 3, 0]))
  })
})
