import * as tf from '@tensorflow/tfjs'
import { makeBatch } from './batches'
import type { Augmentation } from './config'
import type { PixelSet } from './pixels'
import type { Scaling } from './presets/scaling'

/** What the training loop and prediction read batches from: decoded pixels or cached features. */
export interface Source {
  imageIds: number[]
  labels: Int32Array
  /** false: rows are read from the disk cache (a split larger than the pixel memory budget). */
  inMemory: boolean
  /** A batch of the given rows; `random` drives augmentation where the source has any (null: none). */
  batch(indices: number[], random: (() => number) | null): { xs: tf.Tensor; ys: tf.Tensor2D }
}

export function pixelSource(set: PixelSet, k: number, scaling: Scaling, augment: Augmentation | null): Source {
  return {
    imageIds: set.imageIds,
    labels: set.labels,
    inMemory: set.inMemory,
    batch: (idx, random) => makeBatch(set, idx, k, scaling, random ? augment : null, random ?? Math.random),
  }
}

/**
 * A source over pooled features with one or more passes (n × dim each): training batches take each
 * row from a pass drawn by the epoch's random stream (plain or an augmented copy); prediction and
 * validation read pass 0, the plain one.
 */
export function passesSource(
  passes: Float32Array[],
  dim: number,
  set: { imageIds: number[]; labels: Int32Array },
  k: number,
): Source {
  return {
    imageIds: set.imageIds,
    labels: set.labels,
    inMemory: true,
    batch: (idx, random) =>
      tf.tidy(() => {
        const buf = new Float32Array(idx.length * dim)
        idx.forEach((i, r) => {
          const pass = random && passes.length > 1 ? Math.floor(random() * passes.length) : 0
          buf.set(passes[pass]!.subarray(i * dim, (i + 1) * dim), r * dim)
        })
        const labels = Int32Array.from(idx, (i) => set.labels[i]!)
        return {
          xs: tf.tensor2d(buf, [idx.length, dim]),
          ys: tf.oneHot(tf.tensor1d(labels, 'int32'), k).toFloat() as tf.Tensor2D,
        }
      }),
  }
}
