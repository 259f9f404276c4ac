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
  | { type: 'features'; pixels: Uint8Array; n: number; size: number; draws: Draws }

/** extraction thread → trainer thread: one reply per message. */
export type FromExtractor =
  | { type: 'ready'; featureDim: number }
  | { type: 'features'; features: Float32Array }
  | { type: 'error'; message: string }

/** How a batch's images are changed before the backbone: not at all, as augmented copies draw them, or mirrored. */
export type Draws = CopyDraw[] | 'mirror' | null

/**
 * The scaled input of n images gathered in one buffer (n × size × size × 3 bytes): plain, as
 * `draws` make them, or mirrored left–right (test-time augmentation's mirror image, exactly).
 */
export function batchInputs(pixels: Uint8Array, n: number, size: number, scaling: Scaling, draws: Draws): tf.Tensor4D {
  if (draws && draws !== 'mirror') return augmentedBatch(pixels, n, size, draws, scaling)
  return tf.tidy(() => {
    const x = scale(tf.tensor4d(pixels, [n, size, size, 3], 'int32'), scaling) as tf.Tensor4D
    return draws === 'mirror' ? tf.reverse(x, 2) : x
  })
}
