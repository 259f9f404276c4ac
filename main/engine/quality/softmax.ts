import { mixSeed, rng, shuffle } from '../random'
import { adamSoftmaxTf } from './softmax-tf'

/**
 * Multinomial logistic regression on feature vectors (a backbone's pooled features): the "small
 * head" of the label checks. Full batch, Adam, L2; features standardised with the training
 * rows' mean and spread. Deterministic for the same inputs (and engine).
 */
export interface SoftmaxModel {
  d: number
  k: number
  /** k × d, a row per class. */
  w: Float32Array
  b: Float32Array
  mean: Float32Array
  invStd: Float32Array
}

export interface SoftmaxOptions {
  /** L2 penalty on the weights (per example). Default 1e-3. */
  l2?: number
  /** Full-batch steps. Default 150. */
  iterations?: number
  /** Adam step size. Default 0.05. */
  learningRate?: number
  /**
   * Where the Adam loop runs: 'js' (default: plain JS, needs no TF.js backend) or 'tf' (TF.js ops
   * on the active backend, softmax-tf.ts: an order of magnitude faster on thousands of images).
   */
  engine?: 'js' | 'tf'
}

/** Rows `rows` of the n × d matrix `x` with labels `y` (0…k−1). */
export function fitSoftmax(
  x: Float32Array,
  d: number,
  y: ArrayLike<number>,
  k: number,
  rows: readonly number[],
  opts: SoftmaxOptions = {},
): SoftmaxModel {
  const { l2 = 1e-3, iterations = 150, learningRate = 0.05 } = opts
  const n = rows.length
  const mean = new Float32Array(d)
  const invStd = new Float32Array(d)
  for (const r of rows) for (let f = 0; f < d; f++) mean[f]! += x[r * d + f]! / n
  for (const r of rows) for (let f = 0; f < d; f++) invStd[f]! += (x[r * d + f]! - mean[f]!) ** 2 / n
  for (let f = 0; f < d; f++) invStd[f] = invStd[f]! > 1e-12 ? 1 / Math.sqrt(invStd[f]!) : 0
  const z = new Float32Array(n * d)
  rows.forEach((r, i) => {
    for (let f = 0; f < d; f++) z[i * d + f] = (x[r * d + f]! - mean[f]!) * invStd[f]!
  })
  if (opts.engine === 'tf') {
    const labels = Int32Array.from(rows, (r) => y[r]!)
    return { d, k, ...adamSoftmaxTf(z, n, d, labels, k, { l2, iterations, learningRate }), mean, invStd }
  }
  const w = new Float32Array(k * d)
  const b = new Float32Array(k)
  const gw = new Float32Array(k * d)
  const gb = new Float32Array(k)
  const adam = {
    mw: new Float32Array(k * d),
    vw: new Float32Array(k * d),
    mb: new Float32Array(k),
    vb: new Float32Array(k),
  }
  const p = new Float64Array(k)
  for (let t = 1; t <= iterations; t++) {
    gw.fill(0)
    gb.fill(0)
    for (let i = 0; i < n; i++) {
      softmaxRow(z, i * d, d, w, b, k, p)
      const label = y[rows[i]!]!
      for (let j = 0; j < k; j++) {
        const g = (p[j]! - (j === label ? 1 : 0)) / n
        if (g === 0) continue
        gb[j]! += g
        const o = j * d
        for (let f = 0; f < d; f++) gw[o + f]! += g * z[i * d + f]!
      }
    }
    for (let q = 0; q < w.length; q++) gw[q]! += l2 * w[q]!
    adamStep(w, gw, adam.mw, adam.vw, t, learningRate)
    adamStep(b, gb, adam.mb, adam.vb, t, learningRate)
  }
  return { d, k, w, b, mean, invStd }
}

/** Class probabilities of rows `rows` of `x`, one Float32Array each. */
export function predictSoftmax(model: SoftmaxModel, x: Float32Array, rows: readonly number[]): Float32Array[] {
  const { d, k } = model
  const z = new Float32Array(d)
  const p = new Float64Array(k)
  return rows.map((r) => {
    for (let f = 0; f < d; f++) z[f] = (x[r * d + f]! - model.mean[f]!) * model.invStd[f]!
    softmaxRow(z, 0, d, model.w, model.b, k, p)
    return Float32Array.from(p)
  })
}

/**
 * Out-of-sample probabilities for every row by stratified k-fold cross-validation: each row is
 * predicted by a model that never saw it (what confident learning needs).
 */
export function crossValidatedProbs(
  x: Float32Array,
  d: number,
  y: ArrayLike<number>,
  k: number,
  folds = 5,
  seed = 42,
  opts: SoftmaxOptions = {},
  /** Rows kept out of every training fold (still predicted): labels already believed wrong. */
  exclude: ReadonlySet<number> = new Set(),
  /** Called after each fold's head is fit; an aborted signal stops before the next fold. */
  hooks: { onFold?: () => void; signal?: AbortSignal } = {},
): Float32Array[] {
  const n = y.length
  const fold = new Int32Array(n)
  const byClass: number[][] = Array.from({ length: k }, () => [])
  for (let i = 0; i < n; i++) byClass[y[i]!]!.push(i)
  let next = 0
  byClass.forEach((members, c) => {
    for (const i of shuffle(members, rng(mixSeed(seed, c)))) fold[i] = next++ % folds
  })
  const out: Float32Array[] = new Array<Float32Array>(n)
  for (let f = 0; f < Math.min(folds, n); f++) {
    const train: number[] = []
    const held: number[] = []
    for (let i = 0; i < n; i++) {
      if (fold[i] === f) held.push(i)
      else if (!exclude.has(i)) train.push(i)
    }
    if (!held.length) continue
    hooks.signal?.throwIfAborted()
    const model = fitSoftmax(x, d, y, k, train, opts)
    predictSoftmax(model, x, held).forEach((p, i) => (out[held[i]!] = p))
    hooks.onFold?.()
  }
  return out
}

function softmaxRow(
  z: Float32Array,
  at: number,
  d: number,
  w: Float32Array,
  b: Float32Array,
  k: number,
  p: Float64Array,
): void {
  let max = -Infinity
  for (let j = 0; j < k; j++) {
    let s = b[j]!
    const o = j * d
    for (let f = 0; f < d; f++) s += w[o + f]! * z[at + f]!
    p[j] = s
    if (s > max) max = s
  }
  let sum = 0
  for (let j = 0; j < k; j++) sum += p[j] = Math.exp(p[j]! - max)
  for (let j = 0; j < k; j++) p[j]! /= sum
}

function adamStep(v: Float32Array, g: Float32Array, m: Float32Array, s: Float32Array, t: number, lr: number): void {
  const b1 = 0.9
  const b2 = 0.999
  const c1 = 1 - b1 ** t
  const c2 = 1 - b2 ** t
  for (let q = 0; q < v.length; q++) {
    m[q] = b1 * m[q]! + (1 - b1) * g[q]!
    s[q] = b2 * s[q]! + (1 - b2) * g[q]! * g[q]!
    v[q]! -= (lr * (m[q]! / c1)) / (Math.sqrt(s[q]! / c2) + 1e-8)
  }
}
