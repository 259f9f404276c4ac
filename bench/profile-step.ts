/**
 * bench/profile-step: where one training step of the seed CNN goes on the selected backend, per
 * kernel (summed over a few steps), for the batch a worker thread computes.
 *
 *   npx tsx bench/profile-step.ts [--batch 16] [--steps 5] [--size 64] [--classes 4] [--same-padding 0] [--shapes] [--composed] [--rows 18]
 *   (--shapes: one row per kernel and input shapes; --composed: the backend's Conv2D and the
 *   convolution gradients as forward convolutions instead of the direct SIMD kernels, for comparison;
 *   CPU: the process's CPU time per step, less sensitive than wall time to a shared machine's load)
 */
import * as tf from '@tensorflow/tfjs'
import { selectBackend } from '../main/engine/training/backend'
import { kernelOptions } from '../main/engine/training/kernels/wasm-kernel'
import { shardGradients } from '../main/engine/training/shard'
import { seedCnn } from '../main/engine/training/presets'

const arg = (name: string, dflt: number) => Number(process.argv[process.argv.indexOf(name) + 1] || dflt) || dflt
const batch = arg('--batch', 16)
const steps = arg('--steps', 5)
const be = await selectBackend()
kernelOptions.directConvolutions = !process.argv.includes('--composed')
const size = arg('--size', 64)
const classes = arg('--classes', 4)
const model = seedCnn(size, classes, 1, undefined, arg('--same-padding', 0), process.argv.includes('--batch-norm'))
const opt = tf.train.adam(1e-3)
const xs = tf.randomUniform([batch, size, size, 3])
const ys = tf.oneHot(tf.randomUniform([batch], 0, classes, 'int32'), classes).toFloat()
const vars = model.trainableWeights.map((w) => w.read() as tf.Variable)
const step = () => {
  const r = shardGradients(model, xs, ys, batch, null)
  const named: tf.NamedTensorMap = {}
  vars.forEach((v, i) => (named[v.name] = r.grads[i]!))
  opt.applyGradients(named)
  r.grads.forEach((g) => g.dispose())
}
for (let i = 0; i < 3; i++) step()
const t0 = performance.now()
const c0 = process.cpuUsage()
for (let i = 0; i < steps; i++) step()
const wall = (performance.now() - t0) / steps
const used = process.cpuUsage(c0)
const cpu = (used.user + used.system) / 1000 / steps
const totals = new Map<string, { ms: number; n: number; shapes: Set<string> }>()
const prof = await tf.profile(async () => {
  for (let i = 0; i < steps; i++) step()
})
for (const k of prof.kernels) {
  const key = process.argv.includes('--shapes') ? `${k.name} ${k.inputShapes.map((s) => `[${s}]`).join('×')}` : k.name
  const t = totals.get(key) ?? { ms: 0, n: 0, shapes: new Set() }
  t.ms += (k.kernelTimeMs as number) / steps
  t.n += 1 / steps
  if (t.shapes.size < 4) t.shapes.add(k.inputShapes.map((s) => `[${s}]`).join('×'))
  totals.set(key, t)
}
console.log(
  `${be.name}, batch ${batch}, ${size} px${kernelOptions.directConvolutions ? '' : ' (composed: backend Conv2D, gradients as forward convolutions)'}: ` +
    `${wall.toFixed(1)} ms/step, ${cpu.toFixed(1)} ms CPU (${((batch * 1000) / wall).toFixed(1)} img/s on one thread)`,
)
const rows = [...totals].sort((a, b) => b[1].ms - a[1].ms)
for (const [name, t] of rows.slice(0, arg('--rows', 18)))
  console.log(`${t.ms.toFixed(1).padStart(7)} ms  ${t.n.toFixed(0).padStart(3)}×  ${name}  ${[...t.shapes].join(' ')}`)
console.log(
  `${rows
    .reduce((s, r) => s + r[1].ms, 0)
    .toFixed(1)
    .padStart(7)} ms  in kernels`,
)
