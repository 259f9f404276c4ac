import fs from 'node:fs'
import * as tf from '@tensorflow/tfjs'
import { ConflictError, errorMessage, NotFoundError } from '../errors'
import { mediaFile } from '../media/formats'
import { readPreprocessing, runPaths } from '../runs'
import type { DatasetVersion, RunRecord, ScoreRow } from '../store'
import type { Studio } from '../studio'
import { selectBackend } from '../training/backend'
import { decode, type InputSpec, type PixelProblem } from '../training/pixels'
import { loadClassifier, NonFiniteOutputError } from '../training/predict'
import { scale } from '../training/presets/scaling'
import { uncertainty } from './uncertainty'

export interface ScoreOptions {
  signal?: AbortSignal
  /** Images handled so far (scored or unreadable) of those the run had not scored. */
  onProgress?: (done: number, total: number) => void
  /** Images decoded and predicted at once. Default 32. */
  batchSize?: number
}

export interface ScoreOutcome {
  runId: number
  /** Images scored now. */
  scored: number
  /** Images the run had scored before (scores of a run never change, so they are kept). */
  kept: number
  /** Images whose pixels could not be read (not scored; tried again next time). */
  problems: PixelProblem[]
  seconds: number
}

/** The run can score images: it exists, finished, and its model is on disk. Throws before any work otherwise. */
export function checkScorable(studio: Studio, runId: number): { run: RunRecord; version: DatasetVersion } {
  const run = studio.store.runs.get(runId)
  if (!run) throw new NotFoundError(`run ${runId} does not exist`)
  if (run.status !== 'done')
    throw new ConflictError(`run ${runId} is ${run.status}; only a finished run can score images`)
  const paths = runPaths(studio.root, runId)
  if (!fs.existsSync(paths.preprocessing) || !fs.existsSync(paths.model)) {
    throw new NotFoundError(`run ${runId} has no saved model (${paths.model})`)
  }
  return { run, version: studio.store.datasets.version(run.datasetVersion)! }
}

/**
 * Scores every project image the run has not scored yet (labeled or not, any split): predicted
 * class, confidence, margin, normalised entropy and probabilities. Streams: images are read by id
 * in chunks, the next chunk decoding on sharp's threads while the model runs on this one, and each
 * chunk's scores are written in one transaction, so a cancelled or crashed scoring keeps what it
 * did and the next one continues. Runs in the caller's thread (the service starts it in a worker).
 */
export async function scoreRun(studio: Studio, runId: number, opts: ScoreOptions = {}): Promise<ScoreOutcome> {
  const started = performance.now()
  checkScorable(studio, runId)
  const q = studio.store.quality
  const paths = runPaths(studio.root, runId)
  const pre = readPreprocessing(paths)
  const spec: InputSpec = { size: pre.inputSize, fit: pre.fit }
  const batch = opts.batchSize ?? 32
  const kept = q.scoredCount(runId)
  const total = q.unscoredCount(runId)
  const problems: PixelProblem[] = []
  await selectBackend()
  const model = await loadClassifier(paths, pre.backbone, pre.tta ?? null)
  let done = 0
  try {
    opts.onProgress?.(0, total)
    let after = 0
    const nextChunk = () => {
      const rows = q.unscored(runId, after, batch)
      after = rows.at(-1)?.id ?? after
      const p = decodeAll(studio, rows, spec)
      p.catch(() => {}) // awaited below
      return rows.length ? p : null
    }
    let next = nextChunk()
    while (next) {
      const pixels = await next
      opts.signal?.throwIfAborted()
      next = nextChunk()
      const ok = pixels.filter((p): p is Readable => p.error === null)
      for (const p of pixels) if (p.error !== null) problems.push({ imageId: p.id, reason: p.error })
      const rows = ok.length ? predictRows(model, ok, spec, pre.scaling) : []
      studio.store.tx(() => q.insertScores(runId, rows))
      done += pixels.length
      opts.onProgress?.(done, total)
    }
  } finally {
    model.dispose()
  }
  return { runId, scored: done - problems.length, kept, problems, seconds: (performance.now() - started) / 1000 }
}

type Readable = { id: number; data: Buffer; error: null }
type Decoded = Readable | { id: number; data: null; error: string }

function decodeAll(
  studio: Studio,
  rows: { id: number; hash: string; ext: string }[],
  spec: InputSpec,
): Promise<Decoded[]> {
  const media = studio.project.paths.media
  return Promise.all(
    rows.map((r) =>
      decode(mediaFile(media, r.hash, r.ext), spec).then(
        (data): Decoded => ({ id: r.id, data, error: null }),
        (err: unknown): Decoded => ({ id: r.id, data: null, error: errorMessage(err) }),
      ),
    ),
  )
}

function predictRows(
  model: { predict(x: tf.Tensor4D): tf.Tensor },
  images: readonly Readable[],
  spec: InputSpec,
  scaling: Parameters<typeof scale>[1],
): ScoreRow[] {
  const s = spec.size
  const per = s * s * 3
  const buf = new Uint8Array(images.length * per)
  images.forEach((img, i) => buf.set(img.data, i * per))
  const out = tf.tidy(() => {
    const x = scale(tf.tensor4d(buf, [images.length, s, s, 3], 'int32'), scaling) as tf.Tensor4D
    return model.predict(x).dataSync() as Float32Array
  })
  if (!out.every(Number.isFinite)) throw new NonFiniteOutputError('the model produced NaN or infinite outputs')
  const k = out.length / images.length
  return images.map((img, i) => scoreRow(img.id, out.slice(i * k, (i + 1) * k)))
}

/** An image's score from its class probabilities. */
export function scoreRow(imageId: number, probs: Float32Array): ScoreRow {
  let top = 0
  for (let j = 1; j < probs.length; j++) if (probs[j]! > probs[top]!) top = j
  let second = 0
  for (let j = 0; j < probs.length; j++) if (j !== top && probs[j]! > second) second = probs[j]!
  return {
    imageId,
    predIndex: top,
    confidence: probs[top]!,
    margin: probs[top]! - second,
    entropy: uncertainty(probs, 'entropy'),
    probs,
  }
}

/**
 * The Browse lens for a page of images: the run's scores where it has them (every split, once the
 * run was scored), its evaluation predictions otherwise.
 */
export function lensOf(
  studio: Studio,
  runId: number,
  imageIds: number[],
): Map<number, { classId: number | null; className: string | null; confidence: number }> {
  const lens = studio.store.runs.predictionsOf(runId, imageIds)
  for (const [id, score] of studio.store.quality.scoresOf(runId, imageIds)) lens.set(id, score)
  return lens
}
