/**
 * A data-parallel training thread (see parallel.ts): its own TensorFlow.js backend and model
 * replica, and the stepper's shared memory. Per step it computes its shard's gradients, then
 * updates its slice of the shared weights; it loads the new weights before its next shard. Between
 * steps it may predict its share of a batch (the epoch's validation), after taking the trainer's
 * non-trainable weights (batch normalization's moving statistics: each replica updates its own
 * from its shard while training).
 */
import { parentPort } from 'node:worker_threads'
import * as tf from '@tensorflow/tfjs'
import { selectBackend } from './backend'
import { computeShard, loadWeights, predictShard, updateShare, type SharedMemory } from './shard'
import type { FromShard, ToShard } from './protocol'
import type { Slice, UpdateRule } from './update-rules'

let ctx: {
  part: number
  model: tf.LayersModel
  mem: SharedMemory
  slices: Slice[]
  rule: UpdateRule
  classWeights: tf.Tensor | null
  labelSmoothing: number
} | null = null
/** The shared weights changed since this replica last loaded them. */
let stale = false

const reply = (r: FromShard) => parentPort!.postMessage(r)

parentPort!.on('message', (m: ToShard) => {
  void (async () => {
    try {
      if (m.type === 'init') {
        const got = await selectBackend(m.backend)
        if (got.name !== m.backend) throw new Error(`backend ${m.backend} did not start in the worker (${got.reason})`)
        const model = await tf.models.modelFromJSON({ modelTopology: m.topology } as tf.io.ModelJSON)
        ctx = {
          part: m.part,
          model,
          mem: m.mem,
          slices: m.slices,
          rule: m.rule,
          classWeights: m.classWeights ? tf.tensor1d(m.classWeights) : null,
          labelSmoothing: m.labelSmoothing,
        }
        loadWeights(model, m.mem.weights, m.slices)
        reply({ type: 'ready' })
        return
      }
      const c = ctx!
      if (m.type === 'reload') {
        stale = true
      } else if (m.type === 'state') {
        c.model.nonTrainableWeights.forEach((w, k) => {
          const v = w.read() as tf.Variable
          tf.tidy(() => v.assign(tf.tensor(m.values[k]!, w.shape as number[])))
        })
      } else if (m.type === 'step' || m.type === 'predict') {
        if (stale) loadWeights(c.model, c.mem.weights, c.slices)
        stale = false
        if (m.type === 'step') computeShard(c.model, c.mem, c.part, m.n, c.classWeights, c.slices, c.labelSmoothing)
        else predictShard(c.model, c.mem, c.part, m.n)
      } else {
        updateShare({ ...c.rule, lr: m.lr }, m.iteration, c.mem, c.part, c.slices)
        stale = true
      }
      reply({ type: 'done' })
    } catch (err) {
      reply({ type: 'error', message: err instanceof Error ? err.message : String(err) })
    }
  })()
})
