import * as tf from '@tensorflow/tfjs'
import { gradCam, peak } from '../../main/engine/explain/gradcam'
import { rng } from '../../main/engine/random'
import { seedCnn } from '../../main/engine/training/presets/seed-cnn-model'
import { clutterSample, inBox, pointingTolerance, type ClutterSample } from '../../tests/helpers/clutter'

export interface PointingGame {
  size: number
  trained: number
  accuracy: number
  hits: number
  total: number
  /** A uniformly random point per image, scored the same way (seeded). */
  randomHits: number
  /** The share of the image the grown box covers, averaged: what a random point scores in expectation. */
  boxShare: number
  trainSeconds: number
  camMs: number
}

function tensors(items: ClutterSample[], size: number) {
  const x = new Float32Array(items.length * size * size * 3)
  items.forEach((s, i) => x.set(s.px, i * size * size * 3))
  return {
    xs: tf.tensor4d(x, [items.length, size, size, 3]),
    ys: tf.oneHot(
      items.map((s) => s.label),
      3,
    ),
  }
}

/**
 * The pointing game (Zhang et al. 2016) on the generated cluttered shapes: train the seed CNN on
 * `train` images, then for each held-out image that has a shape, is the Grad-CAM peak of the true
 * class inside the shape's box (grown by the usual 15 px at 224, scaled)?
 */
export async function pointingGame(size: number, train: number, held: number, epochs: number): Promise<PointingGame> {
  const model = seedCnn(size, 3, 7)
  model.compile({ optimizer: tf.train.adam(0.002), loss: 'categoricalCrossentropy', metrics: ['accuracy'] })
  const t0 = performance.now()
  // Chunks keep the float32 input of thousands of images out of one huge tensor.
  const chunk = 1000
  for (let e = 0; e < epochs; e++) {
    for (let from = 0; from < train; from += chunk) {
      const { xs, ys } = tensors(
        Array.from({ length: Math.min(chunk, train - from) }, (_, i) => clutterSample(from + i, size)),
        size,
      )
      // No shuffle inside fit (Math.random): the samples come in seeded random order already.
      await model.fit(xs, ys, { epochs: 1, batchSize: 32, shuffle: false, verbose: 0 })
      xs.dispose()
      ys.dispose()
    }
  }
  const trainSeconds = (performance.now() - t0) / 1000
  const test = Array.from({ length: held }, (_, i) => clutterSample(1_000_000 + i, size))
  const t = tensors(test, size)
  const pred = tf.tidy(() => (model.predict(t.xs) as tf.Tensor).argMax(-1).dataSync())
  t.xs.dispose()
  t.ys.dispose()
  const accuracy = test.filter((s, i) => pred[i] === s.label).length / test.length
  const tol = pointingTolerance(size)
  const r = rng(99)
  let hits = 0
  let randomHits = 0
  let share = 0
  let camMs = 0
  const shapes = test.filter((s) => s.label < 2)
  for (const s of shapes) {
    const x = tf.tensor4d(s.px, [1, size, size, 3])
    const c0 = performance.now()
    const cam = gradCam(model, x, s.label)
    camMs += performance.now() - c0
    x.dispose()
    if (inBox(peak(cam), s.box, tol)) hits++
    if (inBox({ x: Math.floor(r() * size), y: Math.floor(r() * size) }, s.box, tol)) randomHits++
    const w = Math.min(size, s.box.x + s.box.w + tol) - Math.max(0, s.box.x - tol)
    const h = Math.min(size, s.box.y + s.box.h + tol) - Math.max(0, s.box.y - tol)
    share += (w * h) / (size * size)
  }
  model.dispose()
  return {
    size,
    trained: train,
    accuracy,
    hits,
    total: shapes.length,
    randomHits,
    boxShare: share / shapes.length,
    trainSeconds,
    camMs: camMs / shapes.length,
  }
}
