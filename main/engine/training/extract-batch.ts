import * as tf from '@tensorflow/tfjs'
import type { BackendName } from './backend'
import { augmentedBatch, type CopyDraw } from './feature-augment'
import { scale, type Scaling } from './presets/scaling'

// What extract-pool.ts and its threads (extract-worker.ts) share: the messages and how a batch of
// pixels becomes the backbone's input. Kept small: every thread imports it.

/** Where a backbone was loaded from, so another thread can load the same one (transfer.ts loadBackbone). */
export interface BackboneSource {
  dir: string
  name: string
  complete: boolean
  inputSize?: number
}

/** trainer thread → extraction thread: `init` once, then one `features` per batch. */
export type ToExtractor =
  | { type: 'init'; backend: BackendName; source: BackboneSource }
  | { type: 'features'; pixels: Uint8Array; n: number; size: number; draws: CopyDraw[] | null }

/** extraction thread → trainer thread: one reply per message. */
export type FromExtractor =
  | { type: 'ready'; featureDim: number }
  | { type: 'features'; features: Float32Array }
  | { type: 'error'; message: string }

/** The scaled input of n images gathered in one buffer (n × size × size × 3 bytes): plain, or as `draws` make them. */
export function batchInputs(
  pixels: Uint8Array,
  n: number,
  size: number,
  scaling: Scaling,
  draws: CopyDraw[] | null,
): tf.Tensor4D {
  if (draws) return augmentedBatch(pixels, n, size, draws, scaling)
  return tf.tidy(() => scale(tf.tensor4d(pixels, [n, size, size, 3], 'int32'), scaling) as tf.Tensor4D)
}
