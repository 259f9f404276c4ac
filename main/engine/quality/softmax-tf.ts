import * as tf from '@tensorflow/tfjs'

/**
 * softmax.ts's full-batch Adam loop as TF.js ops on the active backend, for large heads: a step
 * is two matrix products (n×d · d×k and k×n · n×d) that the wasm backend runs far faster than the
 * plain-JS loop (measured on 8,000 × 768 features and 10 classes: 130 ms a step against 2.1 s).
 * The same rule as the JS loop (zero start, gradient of the mean cross-entropy plus l2·w, Adam
 * with β 0.9 / 0.999, ε 1e-8), in float32 throughout. `z` is the standardised n × d matrix.
 */
export function adamSoftmaxTf(
  z: Float32Array,
  n: number,
  d: number,
  labels: Int32Array,
  k: number,
  opts: { l2: number; iterations: number; learningRate: number },
): { w: Float32Array; b: Float32Array } {
  const x = tf.tensor2d(z, [n, d])
  const target = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), k).toFloat())
  let s = {
    w: tf.zeros([k, d]),
    b: tf.zeros([k]),
    mw: tf.zeros([k, d]),
    vw: tf.zeros([k, d]),
    mb: tf.zeros([k]),
    vb: tf.zeros([k]),
  }
  try {
    for (let t = 1; t <= opts.iterations; t++) {
      const prev = s
      s = tf.tidy(() => {
        const g = tf
          .softmax(x.matMul(prev.w, false, true).add(prev.b))
          .sub(target)
          .div(n)
        const gw = g.matMul(x, true, false).add(prev.w.mul(opts.l2))
        const w = adam(prev.w, gw, prev.mw, prev.vw, t, opts.learningRate)
        const b = adam(prev.b, g.sum(0), prev.mb, prev.vb, t, opts.learningRate)
        return { w: w.v, mw: w.m, vw: w.s, b: b.v, mb: b.m, vb: b.s }
      })
      tf.dispose(Object.values(prev))
    }
    return { w: Float32Array.from(s.w.dataSync()), b: Float32Array.from(s.b.dataSync()) }
  } finally {
    tf.dispose([x, target, ...Object.values(s)])
  }
}

function adam(v: tf.Tensor, g: tf.Tensor, m0: tf.Tensor, s0: tf.Tensor, t: number, lr: number) {
  const m = m0.mul(0.9).add(g.mul(0.1))
  const s = s0.mul(0.999).add(g.square().mul(0.001))
  const step = m
    .div(1 - 0.9 ** t)
    .div(
      s
        .div(1 - 0.999 ** t)
        .sqrt()
        .add(1e-8),
    )
    .mul(lr)
  return { v: v.sub(step), m, s }
}
