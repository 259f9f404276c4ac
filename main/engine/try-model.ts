import fs from 'node:fs'
import * as tf from '@tensorflow/tfjs'
import type { PredictionDto } from '../../preload/contract'
import { ConflictError, NotFoundError, ValidationError } from './errors'
import { readPreprocessing, runPaths, type Preprocessing } from './runs'
import type { Studio } from './studio'
import { selectBackend } from './training/backend'
import { decode } from './training/pixels'
import { loadClassifier, type Classifier } from './training/predict'
import { scale } from './training/presets/scaling'

/**
 * "Try the model": class probabilities of a finished run for image bytes the user dropped on the
 * page, or for project images, through the run's preprocessing.json — what `studio predict` does for
 * files. The last run's model stays loaded, so trying image after image does not reload it each time.
 */
export class ModelPreview {
  private loaded: { runId: number; model: Classifier; pre: Preprocessing; labels: string[] } | null = null

  constructor(private readonly studio: Studio) {}

  async predict(runId: number, inputs: { name: string; data: Buffer }[]): Promise<PredictionDto[]> {
    const { model, pre, labels } = await this.load(runId)
    const out: PredictionDto[] = []
    for (const input of inputs) {
      let raw: Buffer
      try {
        raw = await decode(input.data, { size: pre.inputSize, fit: pre.fit })
      } catch {
        throw new ValidationError(`${input.name} is not an image Studio can read`)
      }
      const probs = tf.tidy(() => {
        const x = scale(tf.tensor4d(raw, [1, pre.inputSize, pre.inputSize, 3], 'int32'), pre.scaling) as tf.Tensor4D
        return model.predict(x).dataSync() as Float32Array
      })
      const classes = labels.map((name, i) => ({ name, probability: probs[i] ?? 0 }))
      const best = classes.reduce((a, b) => (b.probability > a.probability ? b : a))
      out.push({ name: input.name, label: best.name, confidence: best.probability, classes })
    }
    return out
  }

  /** Project images by id, read from the project's originals. */
  images(imageIds: number[]): { name: string; data: Buffer }[] {
    return imageIds.map((id) => {
      const img = this.studio.image(id)
      return { name: img.originalName, data: fs.readFileSync(this.studio.originalPath(img)) }
    })
  }

  dispose(): void {
    this.loaded?.model.dispose()
    this.loaded = null
  }

  private async load(runId: number) {
    if (this.loaded?.runId === runId) return this.loaded
    const run = this.studio.store.runs.get(runId)
    if (!run) throw new NotFoundError(`run ${runId} does not exist`)
    if (run.status !== 'done') throw new ConflictError(`run ${runId} is ${run.status}; only a finished run can predict`)
    const paths = runPaths(this.studio.root, runId)
    const pre = readPreprocessing(paths)
    const labels = this.studio.store.datasets.version(run.datasetVersion)!.classes.map((c) => c.name)
    await selectBackend()
    const model = await loadClassifier(paths, pre.backbone, pre.tta ?? null)
    this.dispose()
    this.loaded = { runId, model, pre, labels }
    return this.loaded
  }
}
