import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { selectBackend } from '../../../main/engine/training/backend'
import { sharedMemory, updateShare } from '../../../main/engine/training/shard'
import { updateKernels } from '../../../main/engine/training/simd'
import {
  applyUpdate,
  layoutOf,
  readOptimizerState,
  ruleOf,
  slotCount,
  writeOptimizerState,
} from '../../../main/engine/training/update-rules'

// The data-parallel stepper's update rules (JavaScript loops and SIMD kernels) against the
// TensorFlow.js optimizers they stand in for, over a few steps with two gradient arrays.
const shapes = [[7, 11], [926]] // 1003 values: the SIMD share leaves a tail for the JS loop
const { slices, total } = layoutOf(shapes)
const random = (n: number, seed: number) =>
  Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 7919 + i * 104729) * 0.5)
const relErr = (a: Float32Array, b: Float32Array) => {
  let num = 0
  let den = 0
  for (let i = 0; i < a.length; i++) {
    num += (a[i]! - b[i]!) ** 2
    den += b[i]! ** 2
  }
  return Math.sqrt(num / Math.max(den, 1e-30))
}
const optimizers: [string, () => tf.Optimizer][] = [
  ['adam', () => tf.train.adam(0.01)],
  ['sgd', () => tf.train.sgd(0.1)],
  ['rmsprop', () => tf.train.rmsprop(0.01, 0.9, 0.5)],
]

beforeAll(async () => {
  await selectBackend('wasm')
})

describe('update rules', () => {
  it('a shared memory gets the SIMD kernels', () => {
    const mem = sharedMemory(total, 2, 2, 8, 4)
    expect(mem.memory).toBeInstanceOf(WebAssembly.Memory)
    expect(updateKernels(mem.memory!)).not.toBeNull()
    expect(mem.grads[1]!.byteOffset - mem.grads[0]!.byteOffset).toBe(4 * 1004)
  })

  for (const [name, make] of optimizers) {
    it(`${name}: the JavaScript loop and the SIMD kernels follow tf.train.${name}, and the state round-trips through it`, async () => {
      const optimizer = make()
      const rule = ruleOf(optimizer)
      const w0 = random(total, 1)
      const vars = slices.map((s, k) =>
        tf.variable(tf.tensor(w0.slice(s.offset, s.offset + s.size), s.shape), true, `w${k}_${name}`),
      )
      // JavaScript loop on plain arrays, SIMD (+ JS tail) on the stepper's shared memory, 2 participants.
      const plain = { w: w0.slice(), slots: Array.from({ length: slotCount(rule) }, () => new Float32Array(total)) }
      const mem = sharedMemory(total, 2, slotCount(rule), 4, 4)
      mem.weights.set(w0)
      for (let t = 0; t < 3; t++) {
        const g = [random(total, 10 + t), random(total, 20 + t)]
        tf.tidy(() => {
          const named: tf.NamedTensorMap = {}
          slices.forEach(
            (s, k) =>
              (named[vars[k]!.name] = tf
                .tensor(g[0]!.slice(s.offset, s.offset + s.size), s.shape)
                .add(tf.tensor(g[1]!.slice(s.offset, s.offset + s.size), s.shape))),
          )
          optimizer.applyGradients(named)
        })
        applyUpdate(rule, t, plain.w, g, plain.slots, 0, total)
        mem.grads[0]!.set(g[0]!)
        mem.grads[1]!.set(g[1]!)
        updateShare(rule, t, mem, 0)
        updateShare(rule, t, mem, 1)
      }
      const tfw = new Float32Array(total)
      vars.forEach((v, k) => tfw.set(v.dataSync() as Float32Array, slices[k]!.offset))
      expect(relErr(tfw, w0)).toBeGreaterThan(1e-3) // the weights moved
      expect(relErr(plain.w, tfw)).toBeLessThan(1e-5)
      expect(relErr(mem.weights, tfw)).toBeLessThan(1e-5)
      // The shared state written into the optimizer continues exactly like its own.
      const names = vars.map((v) => v.name)
      const own = await optimizer.getWeights()
      const copy = make()
      await writeOptimizerState(copy, names, slices, mem.slots, 3)
      const theirs = await copy.getWeights()
      expect(theirs.map((n) => n.tensor.shape)).toEqual(own.map((n) => n.tensor.shape))
      expect(theirs[0]!.tensor.dataSync()[0]).toBe(3)
      for (let i = 1; i < own.length; i++) {
        expect(
          relErr(theirs[i]!.tensor.dataSync() as Float32Array, own[i]!.tensor.dataSync() as Float32Array),
        ).toBeLessThan(1e-5)
      }
      const back = mem.slots.map(() => new Float32Array(total))
      expect(await readOptimizerState(optimizer, slices, back)).toBe(3)
      back.forEach((b, k) => expect(relErr(b, mem.slots[k]!)).toBeLessThan(1e-5))
      tf.dispose(vars)
      optimizer.dispose()
      copy.dispose()
    })
  }
})
