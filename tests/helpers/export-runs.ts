import path from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { writeShapes } from '../../main/engine/sample/shapes'
import { originalPath } from '../../main/engine/media/thumbnails'
import type { Studio } from '../../main/engine/studio'
import { folderSaver, readArtifacts } from '../../main/engine/training/model-io'
import { decode } from '../../main/engine/training/pixels'
import type { Preprocessing } from '../../main/engine/runs'
import type { TrainConfig } from '../../main/engine/training/config'
import { trainInProcess } from './training'

/** The generated shapes (4 classes of 20 64×64 JPEGs) written to `src` and imported. */
export async function importShapes(studio: Studio, src: string): Promise<void> {
  await writeShapes(src, 20)
  await studio.import(src)
}

/** A run to export: trained in this process on the generated shapes. */
export async function trainShapes(studio: Studio, src: string, cfg: Partial<TrainConfig>): Promise<number> {
  await importShapes(studio, src)
  return trainInProcess(studio, { patience: null, workers: 1, batchSize: 16, ...cfg })
}

/** What Studio recorded for a run's evaluation split: each image's original file and probabilities. */
export function recordedPredictions(studio: Studio, runId: number): { file: string; probs: Float32Array }[] {
  return studio.store.runs.predictions(runId).map((p) => {
    const img = studio.store.images.get(p.imageId)!
    return { file: originalPath(studio.project.paths, img), probs: p.probs }
  })
}

/** A model folder of an export, loaded with stock TF.js (quantized weights included). */
export function loadExported(dir: string): Promise<tf.LayersModel> {
  return tf.loadLayersModel(tf.io.fromMemory(readArtifacts(dir)))
}

/** The image's pixels as Studio decodes them (sharp: rotate, resize, fit), [1, S, S, 3] 0…255. */
export async function studioPixels(file: string, pre: Pick<Preprocessing, 'inputSize' | 'fit'>): Promise<Int32Array> {
  return Int32Array.from(await decode(file, { size: pre.inputSize, fit: pre.fit }))
}

export const argmax = (p: ArrayLike<number>): number => {
  let best = 0
  for (let i = 1; i < p.length; i++) if (p[i]! > p[best]!) best = i
  return best
}

/**
 * A tiny MobileNet-like layers backbone (32×32 input; convolution, depthwise, batch norm with
 * non-trivial statistics, ReLU), saved like a real one: extraction runs it as fused convolutions with
 * batch norm folded in, while the export runs the layers themselves.
 */
export async function writeTinyMobileNet(models: string, name: string): Promise<void> {
  const init = (seed: number) => tf.initializers.glorotUniform({ seed })
  const m = tf.sequential()
  m.add(
    tf.layers.conv2d({
      inputShape: [32, 32, 3],
      filters: 8,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      useBias: false,
      kernelInitializer: init(1),
    }),
  )
  m.add(tf.layers.batchNormalization({}))
  m.add(tf.layers.activation({ activation: 'relu' }))
  m.add(tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', useBias: false, depthwiseInitializer: init(2) }))
  m.add(tf.layers.batchNormalization({}))
  m.add(tf.layers.activation({ activation: 'relu' }))
  m.add(tf.layers.conv2d({ filters: 16, kernelSize: 1, useBias: false, kernelInitializer: init(3) }))
  m.add(tf.layers.batchNormalization({}))
  m.add(tf.layers.activation({ activation: 'relu' }))
  m.add(tf.layers.globalAveragePooling2d({}))
  // Batch-norm statistics away from (0, 1), so folding them into the convolutions is not a no-op.
  let seed = 11
  const rand = () => (seed = (seed * 16807) % 2147483647) / 2147483647
  for (const layer of m.layers.filter((l) => l.getClassName() === 'BatchNormalization')) {
    const [gamma, beta, mean, variance] = layer.getWeights().map((w) => w.shape[0]!)
    layer.setWeights([
      tf.tensor1d(Array.from({ length: gamma! }, () => 0.5 + rand())),
      tf.tensor1d(Array.from({ length: beta! }, () => rand() - 0.5)),
      tf.tensor1d(Array.from({ length: mean! }, () => rand() - 0.5)),
      tf.tensor1d(Array.from({ length: variance! }, () => 0.2 + 2 * rand())),
    ])
  }
  await m.save(folderSaver(path.join(models, name)))
  m.dispose()
}
