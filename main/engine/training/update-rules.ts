import * as tf from '@tensorflow/tfjs'
import { isDecayed, recipeOf } from './optimizer'
import type { UpdateKernels } from './simd'

/**
 * The optimizers' update rules as single passes over flat Float32Arrays, for the data-parallel
 * stepper (parallel.ts): every thread updates its own slice of the parameters in one loop instead
 * of one thread running ~10 tensor ops per variable while the others wait. The arithmetic is
 * TensorFlow.js's (adam_optimizer.js, sgd_optimizer.js, rmsprop_optimizer.js), so a run matches a
 * single-thread run up to float rounding, and the state moves to and from the tf.Optimizer (which
 * checkpoints save) without conversion. `lr` is the step's (the schedule changes it per step);
 * `weightDecay` is decoupled decay per unit of it (optimizer.ts, applyDecay).
 */
export type UpdateRule = (
  | { kind: 'adam'; lr: number; beta1: number; beta2: number; epsilon: number }
  | { kind: 'sgd'; lr: number }
  | { kind: 'rmsprop'; lr: number; decay: number; momentum: number; epsilon: number }
) & { weightDecay: number }

/** The rule of a TensorFlow.js optimizer (Adam, SGD, or RMSProp without centering). */
export function ruleOf(optimizer: tf.Optimizer): UpdateRule {
  const name = optimizer.getClassName()
  const c = optimizer.getConfig() as Record<string, number | boolean>
  const num = (k: string) => c[k] as number
  const [lr, epsilon] = [num('learningRate'), num('epsilon')]
  const { weightDecay } = recipeOf(optimizer)
  if (name === 'Adam') return { kind: 'adam', lr, beta1: num('beta1'), beta2: num('beta2'), epsilon, weightDecay }
  if (name === 'SGD') return { kind: 'sgd', lr, weightDecay }
  if (name === 'RMSProp' && !c.centered) {
    return { kind: 'rmsprop', lr, decay: num('decay'), momentum: num('momentum'), epsilon, weightDecay }
  }
  throw new Error(`data-parallel training has no update rule for the ${name} optimizer`)
}

/** Per-parameter state arrays the rule keeps (Adam: m, v; RMSProp: mean square, moment). */
export function slotCount(rule: UpdateRule): 0 | 2 {
  return rule.kind === 'sgd' ? 0 : 2
}

/**
 * Adam's bias correction before update `iteration` (0-based). tfjs keeps beta^(t+1) as running
 * float32 products; 1 − that corrects the moments' bias:
 * w −= lr·(m/c1) / (√(v/c2) + ε) = step·m / (√v·r + ε) with step = lr/c1, r = 1/√c2.
 */
function adamCorrection({ lr, beta1, beta2 }: Extract<UpdateRule, { kind: 'adam' }>, iteration: number) {
  return {
    step: lr / (1 - Math.fround(beta1 ** (iteration + 1))),
    r: 1 / Math.sqrt(1 - Math.fround(beta2 ** (iteration + 1))),
  }
}

/**
 * Decoupled weight decay of elements [from, to), before the update: each kernel's weights (by
 * `slices`' shapes, as optimizer.ts decides) times 1 − lr·wd, rounded to float32 as the
 * single-thread optimizer's tensor product is. A separate pass beside the SIMD update kernels:
 * one multiply per weight, only when decay is on.
 */
export function applyDecay(
  rule: UpdateRule,
  weights: Float32Array,
  slices: readonly Slice[],
  from: number,
  to: number,
): void {
  if (!rule.weightDecay) return
  const keep = Math.fround(1 - rule.lr * rule.weightDecay)
  for (const s of slices) {
    if (!isDecayed(s.shape)) continue
    const end = Math.min(to, s.offset + s.size)
    for (let i = Math.max(from, s.offset); i < end; i++) weights[i] = weights[i]! * keep
  }
}

/**
 * One update of elements [from, to): the gradient is the sum of `grads` (one full-length array per
 * thread, added in order so every thread computes the same sum), `iteration` counts earlier updates.
 */
export function applyUpdate(
  rule: UpdateRule,
  iteration: number,
  weights: Float32Array,
  grads: Float32Array[],
  slots: Float32Array[],
  from: number,
  to: number,
): void {
  // Two participants (the common case) get their own loops: no inner loop over the gradients.
  const g0 = grads[0]!
  const g1 = grads.length === 2 ? grads[1]! : null
  let sum = g0
  if (grads.length > 2) {
    sum = new Float32Array(to - from)
    for (const g of grads) for (let i = from; i < to; i++) sum[i - from]! += g[i]!
  }
  const base = grads.length > 2 ? from : 0
  if (rule.kind === 'sgd') {
    const lr = rule.lr
    if (g1) for (let i = from; i < to; i++) weights[i] = weights[i]! - lr * (g0[i]! + g1[i]!)
    else for (let i = from; i < to; i++) weights[i] = weights[i]! - lr * sum[i - base]!
    return
  }
  const [s1, s2] = slots as [Float32Array, Float32Array]
  if (rule.kind === 'adam') {
    const { beta1, beta2, epsilon } = rule
    const { step, r } = adamCorrection(rule, iteration)
    const k1 = 1 - beta1
    const k2 = 1 - beta2
    for (let i = from; i < to; i++) {
      const g = g1 ? g0[i]! + g1[i]! : sum[i - base]!
      const m = s1[i]! * beta1 + g * k1
      const v = s2[i]! * beta2 + g * g * k2
      s1[i] = m
      s2[i] = v
      weights[i] = weights[i]! - (step * m) / (Math.sqrt(v) * r + epsilon)
    }
    return
  }
  const { lr, decay, momentum, epsilon } = rule
  for (let i = from; i < to; i++) {
    const g = g1 ? g0[i]! + g1[i]! : sum[i - base]!
    const ms = s1[i]! * decay + g * g * (1 - decay)
    const mom = s2[i]! * momentum + (g * lr) / Math.sqrt(ms + epsilon)
    s1[i] = ms
    s2[i] = mom
    weights[i] = weights[i]! - mom
  }
}

/**
 * applyUpdate over elements [from, from + count) with the SIMD kernels (count a multiple of 4). The
 * arrays must be views of the kernels' memory and the gradient arrays equally spaced in it.
 */
export function applyUpdateSimd(
  k: UpdateKernels,
  rule: UpdateRule,
  iteration: number,
  weights: Float32Array,
  grads: Float32Array[],
  slots: Float32Array[],
  from: number,
  count: number,
): void {
  const at = (a: Float32Array) => a.byteOffset + 4 * from
  const stride = grads.length > 1 ? grads[1]!.byteOffset - grads[0]!.byteOffset : 0
  const [w, g, parts] = [at(weights), at(grads[0]!), grads.length]
  if (rule.kind === 'sgd') return k.sgd(w, g, stride, parts, count, rule.lr)
  if (rule.kind === 'adam') {
    const { beta1, beta2, epsilon } = rule
    const { step, r } = adamCorrection(rule, iteration)
    const [m, v] = [at(slots[0]!), at(slots[1]!)]
    return k.adam(w, g, stride, parts, m, v, count, step, r, beta1, 1 - beta1, beta2, 1 - beta2, epsilon)
  }
  const { lr, decay, momentum, epsilon } = rule
  k.rmsprop(w, g, stride, parts, at(slots[0]!), at(slots[1]!), count, lr, decay, 1 - decay, momentum, epsilon)
}

/** Where each variable lives in the flat arrays. */
export interface Slice {
  offset: number
  size: number
  shape: number[]
}

export function layoutOf(shapes: number[][]): { slices: Slice[]; total: number } {
  let offset = 0
  const slices = shapes.map((shape) => {
    const size = shape.reduce((a, b) => a * b, 1)
    const s = { offset, size, shape }
    offset += size
    return s
  })
  return { slices, total: offset }
}

/**
 * Copies the optimizer's state (after a checkpoint load, or zeros before its first step) into the
 * flat slot arrays; returns its iteration count.
 */
export async function readOptimizerState(
  optimizer: tf.Optimizer,
  slices: Slice[],
  slots: Float32Array[],
): Promise<number> {
  const named = await optimizer.getWeights()
  try {
    const state = named.slice(1)
    for (const s of slots) s.fill(0)
    if (state.length === slots.length * slices.length) {
      state.forEach((n, j) => {
        const slot = slots[Math.floor(j / slices.length)]!
        slot.set(n.tensor.dataSync() as Float32Array, slices[j % slices.length]!.offset)
      })
    }
    return (named[0]!.tensor.dataSync() as Int32Array)[0]!
  } finally {
    for (const n of named) if (!(n.tensor instanceof tf.Variable)) n.tensor.dispose()
  }
}

/** Puts the flat state back into the optimizer (so a checkpoint saves it), freeing what it replaces. */
export async function writeOptimizerState(
  optimizer: tf.Optimizer,
  names: string[],
  slices: Slice[],
  slots: Float32Array[],
  iteration: number,
): Promise<void> {
  const old = await optimizer.getWeights()
  // The names tfjs gives the slot variables (adam_optimizer.js, rmsprop_optimizer.js).
  const suffixes = optimizer.getClassName() === 'Adam' ? ['m', 'v'] : ['rms', 'momentum']
  const next = [
    { name: 'iter', tensor: tf.scalar(iteration, 'int32') },
    ...slots.flatMap((slot, k) =>
      slices.map((s, j) => ({
        name: `${names[j]}/${suffixes[k]}`,
        tensor: tf.tensor(slot.slice(s.offset, s.offset + s.size), s.shape),
      })),
    ),
  ]
  await optimizer.setWeights(next)
  // setWeights made variables sharing the new tensors' data; the tensors and the old state can go.
  for (const n of [...next, ...old]) n.tensor.dispose()
}
