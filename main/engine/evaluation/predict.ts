import fs from 'node:fs'
import path from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { ConflictError, NotFoundError } from '../errors'
import type { Studio } from '../studio'
import { selectBackend } from '../training/backend'
import { loadModel } from '../training/model-io'
import { decode, type InputSpec } from '../training/pixels'
import { scale, type Scaling } from '../training/presets'
import { runDir } from '../training/trainer'
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
  const pre = JSON.parse(fs.readFileSync(path.join(dir, 'preprocessing.json'), 'utf8')) as InputSpec & { inputSize: number; scaling: Scaling }
  const labels = studio.store.datasets.version(run.datasetVersion)!.classes.map((c) => c.name)
  await selectBackend()
  const model = await loadModel(path.join(dir, 'model'))
  try {
    const out: Prediction[] = []
    for (const input of inputs) {
      // A path to a file, else a project image reference (id, hash prefix, relative path).
      const file = fs.existsSync(input) ? input : studio.originalPath(studio.image(input))
      const raw = await decode(file, { size: pre.inputSize, fit: pre.fit })
      const probs = tf.tidy(() => {
        const x = scale(tf.tensor4d(raw, [1, pre.inputSize, pre.inputSize, 3], 'int32'), pre.scaling)
        return (model.predict(x) as tf.Tensor).dataSync() as Float32Array
      })
      const best = argmax(probs)
      out.push({ input, label: labels[best]!, confidence: probs[best]!, probabilities: Object.fromEntries(labels.map((l, i) => [l, probs[i]!])) })
    }
    return out
  } finally {
    model.dispose()
  }
}
