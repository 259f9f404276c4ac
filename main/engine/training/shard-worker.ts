/**
 * A data-parallel training thread (see parallel.ts): its own TensorFlow.js backend and model
 * replica. It receives the model and weights, then per step a shard of the batch, and answers with
 * the gradients of that shard's share of the batch's mean loss.
 */
import { parentPort } from 'node:worker_threads'
import * as tf from '@tensorflow/tfjs'
import { selectBackend, type BackendName } from './backend'
import { shardGradients } from './parallel'

type Message =
  | { type: 'init'; backend: BackendName; topology: object; weights: Float32Array[]; classWeights: Float32Array | null }
  | { type: 'weights'; weights: Float32Array[] }
  | { type: 'step'; xs: Float32Array; ys: Float32Array; xShape: number[]; yShape: number[]; batchSize: number }

let model: tf.LayersModel | null = null
let classWeights: tf.Tensor | null = null

function setWeights(weights: Float32Array[]): void {
  model!.trainableWeights.forEach((w, i) => {
    const v = w.read() as tf.Variable
    tf.tidy(() => v.assign(tf.tensor(weights[i]!, v.shape)))
  })
}

parentPort!.on('message', (m: Message) => {
  void (async () => {
    try {
      if (m.type === 'init') {
        const got = await selectBackend(m.backend)
        if (got.name !== m.backend) throw new Error(`backend ${m.backend} did not start in the worker (${got.reason})`)
        model = await tf.models.modelFromJSON({ modelTopology: m.topology } as tf.io.ModelJSON)
        setWeights(m.weights)
        classWeights = m.classWeights ? tf.tensor1d(m.classWeights) : null
        parentPort!.postMessage({ type: 'ready' })
      } else if (m.type === 'weights') {
        setWeights(m.weights)
      } else {
        const xs = tf.tensor(m.xs, m.xShape)
        const ys = tf.tensor(m.ys, m.yShape)
        const r = shardGradients(model!, xs, ys, m.batchSize, classWeights)
        xs.dispose()
        ys.dispose()
        const grads = r.grads.map((g) => g.dataSync() as Float32Array)
        r.grads.forEach((g) => g.dispose())
        parentPort!.postMessage({ type: 'grads', grads, lossSum: r.lossSum, correct: r.correct }, grads.map((g) => g.buffer as ArrayBuffer))
      }
    } catch (err) {
      parentPort!.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) })
    }
  })()
})
