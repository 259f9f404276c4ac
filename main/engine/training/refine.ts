import * as tf from '@tensorflow/tfjs'
import type { DatasetItem, ProjectPaths } from '../store'
import type { Scaling } from '../runs'
import { makeInputs } from './batches'
import { loadPixels, type InputSpec } from './pixels'
import { mirror, NonFiniteOutputError, type Classifier } from './predict'

/**
 * The model-side half of test-time augmentation and temperature scaling (the decisions are pure,
 * evaluation/calibration.ts): probabilities of mirror images through the saved classifier, and a
 * temperature folded into the model's final softmax layer so every exported format carries it.
 */

/**
 * Probabilities of the mirror image of each item (decoded as training decoded it), by image id;
 * images that cannot be read are left out (the plain pass reported them already).
 */
export async function mirroredProbs(
  classifier: Classifier,
  project: ProjectPaths,
  items: DatasetItem[],
  spec: InputSpec,
  scaling: Scaling,
  batchSize: number,
): Promise<Map<number, Float32Array>> {
  const set = await loadPixels(project, items, spec, () => {})
  const out = new Map<number, Float32Array>()
  for (let s = 0; s < set.imageIds.length; s += batchSize) {
    const idx = Array.from({ length: Math.min(batchSize, set.imageIds.length - s) }, (_, i) => s + i)
    const data = tf.tidy(() => classifier.predict(mirror(makeInputs(set, idx, scaling))).dataSync() as Float32Array)
    if (!data.every(Number.isFinite)) throw new NonFiniteOutputError('the model produced NaN or infinite outputs')
    const k = data.length / idx.length
    idx.forEach((i, r) => out.set(set.imageIds[i]!, data.slice(r * k, (r + 1) * k)))
  }
  return out
}

/** Why a temperature cannot be folded into this model, or null when it can. */
export function temperatureBlocker(model: tf.LayersModel): string | null {
  const last = model.layers.at(-1)
  if (!last || last.getClassName() !== 'Dense' || last.getConfig().activation !== 'softmax')
    return 'the model does not end in a softmax Dense layer'
  return null
}

/**
 * Divides the final layer's kernel and bias by T, so softmax(Wx + b) becomes softmax((Wx + b) / T)
 * in the model itself (and in every format written from it). Only a final softmax Dense layer can
 * take it (temperatureBlocker).
 */
export function foldTemperature(model: tf.LayersModel, t: number): void {
  const blocker = temperatureBlocker(model)
  if (blocker) throw new Error(blocker)
  const last = model.layers.at(-1)!
  const scaled = tf.tidy(() => last.getWeights().map((w) => w.div(t)))
  last.setWeights(scaled)
  tf.dispose(scaled)
}
