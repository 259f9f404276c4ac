import fs from 'node:fs'
import path from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { ConflictError, NotFoundError, StudioError } from '../errors'
import { argmax } from '../evaluation/metrics'
import { readPreprocessing, runPaths, type GraphStage, type RunPaths } from '../runs'
import type { Studio } from '../studio'
import { selectBackend } from './backend'
import { loadModel, readArtifacts } from './model-io'
import { decode } from './pixels'
import { scale } from './presets/scaling'
import type { Source } from './sources'

/**
 * A trained model at work: class probabilities for a split (evaluation at the end of a run) and
 * for image files (`studio predict`), through the run's preprocessing.json.
 */

export interface Prediction {
  input: string
  label: string
  confidence: number
  probabilities: Record<string, number>
}

/** Classifies image files (or project images) with a finished run's model, in this process. */
export async function predictImages(studio: Studio, runId: number, inputs: string[]): Promise<Prediction[]> {
  const run = studio.store.runs.get(runId)
  if (!run) throw new NotFoundError(`run ${runId} does not exist`)
  if (run.status !== 'done') throw new ConflictError(`run ${runId} is ${run.status}; only a finished run can predict`)
  const paths = runPaths(studio.root, runId)
  const pre = readPreprocessing(paths)
  const labels = studio.store.datasets.version(run.datasetVersion)!.classes.map((c) => c.name)
  await selectBackend()
  const model = await loadClassifier(paths, pre.backbone, pre.tta ?? null)
  try {
    const out: Prediction[] = []
    for (const input of inputs) {
      // A path to a file, else a project image reference (id, hash prefix, relative path).
      const file = fs.existsSync(input) ? input : studio.originalPath(studio.image(input))
      const raw = await decode(file, { size: pre.inputSize, fit: pre.fit })
      const probs = tf.tidy(() => {
        const x = scale(tf.tensor4d(raw, [1, pre.inputSize, pre.inputSize, 3], 'int32'), pre.scaling) as tf.Tensor4D
        return model.predict(x).dataSync() as Float32Array
      })
      const best = argmax(probs)
      out.push({
        input,
        label: labels[best]!,
        confidence: probs[best]!,
        probabilities: Object.fromEntries(labels.map((l, i) => [l, probs[i]!])),
      })
    }
    return out
  } finally {
    model.dispose()
  }
}

export interface Classifier {
  predict(x: tf.Tensor4D): tf.Tensor
  dispose(): void
}

/** An image batch's left–right mirror (NHWC: the width axis). */
export function mirror(x: tf.Tensor4D): tf.Tensor4D {
  return tf.reverse(x, 2)
}

/**
 * A classifier that averages the probabilities of each image and its mirror image (what
 * preprocessing.json's `tta: "flip"` asks of every runtime).
 */
export function withTta(c: Classifier): Classifier {
  return {
    predict: (x) => tf.tidy(() => tf.add(c.predict(x), c.predict(mirror(x))).div(2)),
    dispose: () => c.dispose(),
  }
}

/**
 * A run's saved model as one image → probabilities function, with its graph backbone stage if any,
 * and test-time augmentation when preprocessing.json asks for it (`tta: "flip"`).
 */
export async function loadClassifier(
  run: RunPaths,
  backbone: GraphStage | null,
  tta: 'flip' | null = null,
): Promise<Classifier> {
  const plain = await loadPlain(run, backbone)
  return tta === 'flip' ? withTta(plain) : plain
}

async function loadPlain(run: RunPaths, backbone: GraphStage | null): Promise<Classifier> {
  const head = await loadModel(run.model)
  if (!backbone) return { predict: (x) => head.predict(x) as tf.Tensor, dispose: () => head.dispose() }
  const graph = await tf.loadGraphModel(tf.io.fromMemory(readArtifacts(path.join(run.dir, backbone.folder))))
  return {
    predict: (x) =>
      tf.tidy(() => {
        const f = (graph.execute(x, backbone.output) as tf.Tensor).reshape([x.shape[0], -1])
        return head.predict(f) as tf.Tensor
      }),
    dispose: () => {
      head.dispose()
      graph.dispose()
    },
  }
}

/** The model produced NaN or infinite outputs (its weights diverged). */
export class NonFiniteOutputError extends StudioError {}

/** Class probabilities for every image of a source, batch by batch. */
export function predictSet(model: tf.LayersModel, source: Source, batchSize: number): Float32Array[] {
  const k = (model.outputs[0]!.shape[1] as number) ?? 0
  return batchRows(source.imageIds.length, batchSize).flatMap((idx) => {
    const data = tf.tidy(() => {
      const { xs, ys } = source.batch(idx, null)
      ys.dispose()
      return (model.predict(xs) as tf.Tensor).dataSync() as Float32Array
    })
    return rowsOf(data, idx.length, k)
  })
}

/** What predicts a batch on the data-parallel threads (ParallelStepper): rows × classes, flat. */
export interface BatchPredictor {
  predict(xs: tf.Tensor): Promise<Float32Array>
}

/**
 * Class probabilities for every image of a source: on the data-parallel threads where the run has
 * them (each predicts a share of every batch), else on this thread.
 */
export function predictOn(
  model: tf.LayersModel,
  source: Source,
  batchSize: number,
  threads: BatchPredictor | null,
): Promise<Float32Array[]> {
  if (!threads) return Promise.resolve(predictSet(model, source, batchSize))
  return predictSetWith((xs) => threads.predict(xs), source, batchSize, model.outputs[0]!.shape[1] as number)
}

/**
 * predictSet with each batch's probabilities from `predict` (rows × classes, flat): the
 * data-parallel threads' ParallelStepper.predict, so the epoch's validation uses every core.
 */
export async function predictSetWith(
  predict: (xs: tf.Tensor) => Promise<Float32Array>,
  source: Source,
  batchSize: number,
  k: number,
): Promise<Float32Array[]> {
  const out: Float32Array[] = []
  for (const idx of batchRows(source.imageIds.length, batchSize)) {
    const { xs, ys } = source.batch(idx, null)
    ys.dispose()
    try {
      out.push(...rowsOf(await predict(xs), idx.length, k))
    } finally {
      xs.dispose()
    }
  }
  return out
}

/** The row indices of each batch of an n-row set. */
function batchRows(n: number, batchSize: number): number[][] {
  const batches: number[][] = []
  for (let s = 0; s < n; s += batchSize)
    batches.push(Array.from({ length: Math.min(batchSize, n - s) }, (_, i) => s + i))
  return batches
}

/** A batch's flat probabilities as one array per image; NonFiniteOutputError where they are not numbers. */
function rowsOf(data: Float32Array, rows: number, k: number): Float32Array[] {
  if (!data.every(Number.isFinite)) throw new NonFiniteOutputError('the model produced NaN or infinite outputs')
  return Array.from({ length: rows }, (_, i) => data.slice(i * k, (i + 1) * k))
}
