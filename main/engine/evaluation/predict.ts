import fs from 'node:fs'
import path from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { ConflictError, NotFoundError } from '../errors'
import type { Studio } from '../studio'
import { selectBackend } from '../training/backend'
import { loadModel, readArtifacts } from '../training/model-io'
import { decode, type InputSpec } from '../training/pixels'
import { scale, type Scaling } from '../training/presets'
import { runDir, type GraphStage } from '../training/trainer'
import { argmax } from './metrics'

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
  const dir = runDir(studio.root, runId)
  const pre = JSON.parse(fs.readFileSync(path.join(dir, 'preprocessing.json'), 'utf8')) as InputSpec & {
    inputSize: number
    scaling: Scaling
    backbone: GraphStage | null
  }
  const labels = studio.store.datasets.version(run.datasetVersion)!.classes.map((c) => c.name)
  await selectBackend()
  const model = await loadClassifier(dir, pre.backbone)
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
      out.push({ input, label: labels[best]!, confidence: probs[best]!, probabilities: Object.fromEntries(labels.map((l, i) => [l, probs[i]!])) })
    }
    return out
  } finally {
    model.dispose()
  }
}

/** A run's saved model as one image → probabilities function, with its graph backbone stage if any. */
export async function loadClassifier(dir: string, backbone: GraphStage | null): Promise<{ predict(x: tf.Tensor4D): tf.Tensor; dispose(): void }> {
  const head = await loadModel(path.join(dir, 'model'))
  if (!backbone) return { predict: (x) => head.predict(x) as tf.Tensor, dispose: () => head.dispose() }
  const graph = await tf.loadGraphModel(tf.io.fromMemory(readArtifacts(path.join(dir, backbone.folder))))
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
