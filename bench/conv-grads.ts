/**
 * bench/conv-grads: the seed CNN's convolutions and their gradients on the wasm backend, direct SIMD
 * kernels against the backend's Conv2D and the gradients' forward-convolution formulations
 * (kernelOptions.directConvolutions), alternating, best of `--reps` runs each (the minimum is what
 * a shared machine's load adds least to).
 *
 *   npx tsx bench/conv-grads.ts [--batch 32] [--size 32] [--reps 15]
 */
import * as tf from '@tensorflow/tfjs'
import { selectBackend } from '../main/engine/training/backend'
import { kernelOptions } from '../main/engine/training/kernels/wasm-kernel'

const arg = (name: string, dflt: number) => Number(process.argv[process.argv.indexOf(name) + 1] || dflt) || dflt
const batch = arg('--batch', 32)
const size = arg('--size', 32)
const reps = arg('--reps', 15)
await selectBackend('wasm')

// The seed CNN's layers: 3×3 valid convolutions, 2×2 pools between them.
const layers: { h: number; cin: number; cout: number }[] = []
for (let h = size, cin = 3, i = 0; i < 3; i++) {
  const cout = 32 << i
  layers.push({ h, cin, cout })
  h = Math.floor((h - 2) / 2)
  cin = cout
}
const best = (f: () => tf.Tensor) => {
  f().dispose()
  let ms = Infinity
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now()
    const r = f()
    r.dataSync()
    ms = Math.min(ms, performance.now() - t0)
    r.dispose()
  }
  return ms
}
console.log(`wasm, batch ${batch}, ${size} px: best of ${reps} (ms), direct SIMD kernel vs backend/composed`)
for (const { h, cin, cout } of layers) {
  const x = tf.randomUniform([batch, h, h, cin]) as tf.Tensor4D
  const w = tf.randomUniform([3, 3, cin, cout]) as tf.Tensor4D
  const dy = tf.randomUniform([batch, h - 2, h - 2, cout]) as tf.Tensor4D
  const row: string[] = [`[${batch},${h},${h},${cin}] → ${cout}`]
  for (const [name, f] of [
    ['forward', () => tf.conv2d(x, w, 1, 'valid')],
    [
      'filter grad',
      () =>
        tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
          strides: [1, 1],
          pad: 'valid',
          dataFormat: 'NHWC',
          dimRoundingMode: undefined,
          filterShape: w.shape,
        } as unknown as tf.NamedAttrMap) as tf.Tensor,
    ],
    [
      'input grad',
      () =>
        tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, {
          strides: [1, 1],
          pad: 'valid',
          dataFormat: 'NHWC',
          dimRoundingMode: undefined,
          inputShape: x.shape,
        } as unknown as tf.NamedAttrMap) as tf.Tensor,
    ],
  ] as const) {
    if (name === 'input grad' && cin === 3) continue
    const t: Record<string, number> = { direct: Infinity, composed: Infinity }
    for (let round = 0; round < 2; round++) {
      for (const mode of ['direct', 'composed']) {
        kernelOptions.directConvolutions = mode === 'direct'
        t[mode] = Math.min(t[mode]!, best(f))
      }
    }
    kernelOptions.directConvolutions = true
    row.push(`${name} ${t.direct!.toFixed(2)} vs ${t.composed!.toFixed(2)}`)
  }
  console.log(row.join('; '))
  tf.dispose([x, w, dy])
}
