import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { selectBackend } from '../../../main/engine/training/backend'
import { makeOptimizer, recipeOf } from '../../../main/engine/training/optimizer'
import { sharedMemory, updateShare } from '../../../main/engine/training/shard'
import { layoutOf, ruleOf, slotCount } from '../../../main/engine/training/update-rules'

// Decoupled weight decay (AdamW) and the scheduled rate, in the single-thread optimizer (tensors)
// and the data-parallel update (flat arrays: JavaScript loop and SIMD kernels).
const shapes = [[9, 13], [117], [5, 7, 3]] // two kernels and a bias; 339 values, not a multiple of 4
const { slices, total } = layoutOf(shapes)
const random = (n: number, seed: number) =>
  Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 7919 + i * 104729) * 0.5)
const part = (a: Float32Array, k: number) => a.slice(slices[k]!.offset, slices[k]!.offset + slices[k]!.size)
const OPTIMIZERS = ['adam', 'sgd', 'rmsprop'] as const

beforeAll(async () => {
  await selectBackend('wasm')
})

/** Variables holding w0, the optimizer's gradient map for flat gradients g. */
function variables(w0: Float32Array, tag: string) {
  const vars = slices.map((s, k) => tf.variable(tf.tensor(part(w0, k), s.shape), true, `${tag}_${k}`))
  const gradients = (g: Float32Array): { name: string; tensor: tf.Tensor }[] =>
    vars.map((v, k) => ({ name: v.name, tensor: tf.tensor(part(g, k), slices[k]!.shape) }))
  const flat = () => {
    const out = new Float32Array(total)
    vars.forEach((v, k) => out.set(v.dataSync() as Float32Array, slices[k]!.offset))
    return out
  }
  return { vars, gradients, flat }
}

describe('decoupled weight decay', () => {
  for (const name of OPTIMIZERS) {
    it(`${name}: with zero gradients kernels shrink by lr·wd per step, biases stay (tensors and flat arrays)`, () => {
      const lr = 0.1
      const wd = 0.05
      const w0 = random(total, 1)
      const opt = makeOptimizer({ optimizer: name, learningRate: lr, weightDecay: wd })
      const { vars, gradients, flat } = variables(w0, `zero_${name}`)
      const rule = ruleOf(opt)
      expect(rule.weightDecay).toBe(wd)
      const mem = sharedMemory(total, 2, slotCount(rule), 4, 4)
      mem.weights.set(w0)
      for (let t = 0; t < 3; t++) {
        tf.tidy(() => opt.applyGradients(gradients(new Float32Array(total))))
        mem.grads[0]!.fill(0)
        mem.grads[1]!.fill(0)
        updateShare(rule, t, mem, 0, slices)
        updateShare(rule, t, mem, 1, slices)
      }
      const keep = (1 - lr * wd) ** 3
      for (const w of [flat(), mem.weights]) {
        slices.forEach((s, k) => {
          const got = part(w, k)
          const want = part(w0, k).map((x) => (s.shape.length >= 2 ? x * keep : x))
          got.forEach((x, i) => expect(x).toBeCloseTo(want[i]!, 6))
        })
      }
      tf.dispose(vars)
      opt.dispose()
    })
  }

  it('decays by the rate the schedule set for the step', () => {
    const opt = makeOptimizer({ optimizer: 'adam', learningRate: 0.1, weightDecay: 0.5 })
    const { vars, gradients, flat } = variables(
      Float32Array.from({ length: total }, () => 1),
      'sched',
    )
    opt.setLearningRate(0.02)
    expect(recipeOf(opt)).toEqual({ lr: 0.02, weightDecay: 0.5 })
    expect(ruleOf(opt).lr).toBeCloseTo(0.02, 12)
    tf.tidy(() => opt.applyGradients(gradients(new Float32Array(total))))
    expect(flat()[0]).toBeCloseTo(1 - 0.02 * 0.5, 6)
    tf.dispose(vars)
    opt.dispose()
  })

  it('without decay the optimizer is tf.train.adam’s, step for step', () => {
    const w0 = random(total, 2)
    const ours = variables(w0, 'plain_ours')
    const theirs = variables(w0, 'plain_theirs')
    const [a, b] = [makeOptimizer({ optimizer: 'adam', learningRate: 0.01, weightDecay: 0 }), tf.train.adam(0.01)]
    for (let t = 0; t < 3; t++) {
      const g = random(total, 10 + t)
      tf.tidy(() => a.applyGradients(ours.gradients(g)))
      tf.tidy(() => b.applyGradients(theirs.gradients(g)))
    }
    expect(ours.flat()).toEqual(theirs.flat())
    expect(ruleOf(b)).toMatchObject({ kind: 'adam', weightDecay: 0 })
    tf.dispose([...ours.vars, ...theirs.vars])
    a.dispose()
    b.dispose()
  })

  for (const name of OPTIMIZERS) {
    it(`${name} with decay and a changing rate: the data-parallel update (JS + SIMD) follows the tensor one`, () => {
      const w0 = random(total, 3)
      const opt = makeOptimizer({ optimizer: name, learningRate: 0.01, weightDecay: 0.1 })
      const { vars, gradients, flat } = variables(w0, `par_${name}`)
      const rule = ruleOf(opt)
      const mem = sharedMemory(total, 2, slotCount(rule), 4, 4)
      mem.weights.set(w0)
      for (let t = 0; t < 4; t++) {
        opt.setLearningRate(0.01 * (t + 1)) // a warm-up
        const g = [random(total, 20 + t), random(total, 30 + t)]
        const sum = g[0]!.map((x, i) => x + g[1]![i]!)
        tf.tidy(() => opt.applyGradients(gradients(sum)))
        mem.grads[0]!.set(g[0]!)
        mem.grads[1]!.set(g[1]!)
        const step = { ...rule, lr: recipeOf(opt).lr }
        updateShare(step, t, mem, 0, slices)
        updateShare(step, t, mem, 1, slices)
      }
      const want = flat()
      let err = 0
      let moved = 0
      want.forEach((x, i) => {
        err = Math.max(err, Math.abs(mem.weights[i]! - x))
        moved = Math.max(moved, Math.abs(x - w0[i]!))
      })
      expect(moved).toBeGreaterThan(1e-3)
      expect(err).toBeLessThan(1e-5 * Math.max(1, moved))
      tf.dispose(vars)
      opt.dispose()
    })
  }
})
