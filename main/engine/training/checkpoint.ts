import fs from 'node:fs'
import path from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { writeFolderAtomic } from '../fs'
import { artifactFiles, modelArtifacts, readArtifacts } from './model-io'

/** Where the trainer stands after an epoch; saved with the weights so resume continues exactly. */
export interface TrainState {
  epoch: number
  bestEpoch: number | null
  bestValLoss: number | null
  /** Epochs since the best one (early stopping). */
  wait: number
}

interface OptimizerManifest {
  weights: { name: string; shape: number[]; dtype: string }[]
}

/**
 * Saves weights, optimizer state (Adam's moments and step) and trainer state as one folder,
 * atomically: a failed write (disk full) leaves the previous checkpoint intact.
 */
export async function saveCheckpoint(
  dir: string,
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  state: TrainState,
): Promise<void> {
  const files = artifactFiles(await modelArtifacts(model))
  const named = await optimizer.getWeights()
  const parts = await Promise.all(named.map((n) => n.tensor.data()))
  // getWeights() makes a fresh scalar for the step count each call; the slots are live variables.
  for (const n of named) if (!(n.tensor instanceof tf.Variable)) n.tensor.dispose()
  const total = parts.reduce((a, p) => a + p.length, 0)
  const data = new Float32Array(total)
  let off = 0
  for (const p of parts) {
    data.set(p, off)
    off += p.length
  }
  const manifest: OptimizerManifest = {
    weights: named.map((n) => ({ name: n.name, shape: n.tensor.shape, dtype: n.tensor.dtype })),
  }
  files['optimizer.json'] = JSON.stringify(manifest)
  files['optimizer.bin'] = new Uint8Array(data.buffer)
  files['state.json'] = JSON.stringify(state)
  writeFolderAtomic(dir, files)
}

export function hasCheckpoint(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'state.json'))
}

/** Loads weights into `model` and the optimizer's state; returns the trainer state. */
export async function loadCheckpoint(dir: string, model: tf.LayersModel, optimizer: tf.Optimizer): Promise<TrainState> {
  const saved = await tf.loadLayersModel(tf.io.fromMemory(readArtifacts(dir)))
  model.setWeights(saved.getWeights())
  saved.dispose()
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'optimizer.json'), 'utf8')) as OptimizerManifest
  const bin = fs.readFileSync(path.join(dir, 'optimizer.bin'))
  const data = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength))
  let off = 0
  const weights = manifest.weights.map((w) => {
    const n = w.shape.reduce((a, b) => a * b, 1)
    const tensor = tf.tensor(data.subarray(off, off + n), w.shape, w.dtype as tf.DataType)
    off += n
    return { name: w.name, tensor }
  })
  // Adam and RMSProp match their slots to variables by position, which a rebuilt model keeps.
  if (weights.length) await optimizer.setWeights(weights)
  for (const w of weights) w.tensor.dispose()
  return JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8')) as TrainState
}
