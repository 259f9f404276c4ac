import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { ConflictError, NotFoundError, StudioError } from '../errors'
import { writeAtomic } from '../fs'
import { readPreprocessing, runPaths } from '../runs'
import type { Studio } from '../studio'
import { selectBackend } from '../training/backend'
import { loadModel } from '../training/model-io'
import { decode } from '../training/pixels'
import { scale } from '../training/presets/scaling'
import { camModel, type CamModel, type ClassMap } from './gradcam'

export interface Explanation extends ClassMap {
  runId: number
  className: string
  classes: string[]
  /** sha256 of the explained image's bytes (the cache key). */
  hash: string
  /** The image's file name (a project image's original name, an upload's name). */
  name: string
  fit: 'cover' | 'contain'
  /** Served from runs/<id>/explain/ without running the model. */
  cached: boolean
}

/** An explanation of a file on disk or a project image: `file` is the original the map covers (for overlays). */
export interface FileExplanation extends Explanation {
  file: string
}

/** Image bytes that are not (or not yet) in the project: a file uploaded to "Try the model". */
export interface ImageBytes {
  name: string
  data: Buffer
}

/** Loaded models of recent runs: explaining image after image must not reload the weights each time. */
const models = new Map<string, Promise<CamModel>>()
const MAX_MODELS = 2

function modelOf(dir: string): Promise<CamModel> {
  let m = models.get(dir)
  if (!m) {
    m = loadModel(dir).then(camModel, (err: unknown) => {
      // A weights file gone from the folder surfaces as a bare ENOENT from the reader.
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT' ? (err as NodeJS.ErrnoException).path : null
      if (missing) throw new NotFoundError(`the model in ${dir} is incomplete: ${missing} is missing`)
      throw new StudioError(`the model in ${dir} cannot be loaded: ${(err as Error).message}`)
    })
    models.set(dir, m)
    m.catch(() => models.delete(dir))
    while (models.size > MAX_MODELS) {
      const [oldest, p] = models.entries().next().value as [string, Promise<CamModel>]
      models.delete(oldest)
      void p.then(
        (x) => x.dispose(),
        () => {},
      )
    }
  }
  return m
}

/**
 * Grad-CAM of a finished run for one image, for the predicted class or `className`: `input` is a
 * project image id, or a string naming an existing file or else a project image (id, hash prefix,
 * relative path), as the CLI takes it. Cached per run, image bytes and class under runs/<id>/explain/.
 */
export async function explain(
  studio: Studio,
  runId: number,
  input: string | number,
  className?: string | null,
): Promise<FileExplanation> {
  const run = checkRun(studio, runId)
  const onDisk = typeof input === 'string' && fs.existsSync(input) && fs.statSync(input).isFile()
  const img = onDisk ? null : studio.image(input)
  const file = img ? studio.originalPath(img) : String(input)
  const name = img ? img.originalName : path.basename(file)
  let data: Buffer
  try {
    data = fs.readFileSync(file)
  } catch {
    throw new NotFoundError(`the original of ${name} is missing (${file}); the image cannot be explained`)
  }
  return { ...(await explainBytes(studio, run.id, { name, data }, className)), file }
}

/** Grad-CAM of a finished run for image bytes (an upload to "Try the model"); cached by content like a file. */
export async function explainBytes(
  studio: Studio,
  runId: number,
  image: ImageBytes,
  className?: string | null,
): Promise<Explanation> {
  const run = checkRun(studio, runId)
  const paths = runPaths(studio.root, runId)
  const pre = readPreprocessing(paths)
  if (pre.backbone) {
    throw new StudioError(
      `run ${runId} uses a graph-model backbone, whose gradients TF.js cannot follow; explanations need a layers model`,
    )
  }
  const classes = studio.store.datasets.version(run.datasetVersion)!.classes.map((c) => c.name)
  const wanted = className == null ? null : classes.findIndex((c) => c.toLowerCase() === className.toLowerCase())
  if (wanted === -1)
    throw new NotFoundError(`run ${runId} has no class ${JSON.stringify(className)} (classes: ${classes.join(', ')})`)
  const hash = createHash('sha256').update(image.data).digest('hex')
  const dir = path.join(paths.dir, 'explain')
  const base = { runId, classes, hash, name: image.name, fit: pre.fit }
  if (wanted !== null) {
    const hit = readCache(dir, hash, wanted)
    if (hit) return { ...hit, ...base, className: classes[hit.classIndex]!, cached: true }
  }
  let raw: Buffer
  try {
    raw = await decode(image.data, { size: pre.inputSize, fit: pre.fit })
  } catch (err) {
    throw new StudioError(`${image.name} cannot be decoded: ${(err as Error).message}`)
  }
  await selectBackend()
  const model = await modelOf(paths.model)
  const x = tf.tidy(
    () => scale(tf.tensor4d(raw, [1, pre.inputSize, pre.inputSize, 3], 'int32'), pre.scaling) as tf.Tensor4D,
  )
  let cam: ClassMap
  try {
    cam = model.cam(x, wanted ?? undefined)
  } finally {
    x.dispose()
  }
  await writeCache(dir, hash, cam, studio.project.paths.tmp)
  return { ...cam, ...base, className: classes[cam.classIndex]!, cached: false }
}

/** The run, when it is finished and its model files are there. */
function checkRun(studio: Studio, runId: number) {
  const run = studio.store.runs.get(runId)
  if (!run) throw new NotFoundError(`run ${runId} does not exist`)
  if (run.status !== 'done') throw new ConflictError(`run ${runId} is ${run.status}; only a finished run can explain`)
  const model = path.join(runPaths(studio.root, runId).model, 'model.json')
  if (!fs.existsSync(model)) throw new NotFoundError(`run ${runId} has no model files (${model} is missing)`)
  return run
}

function cacheFile(dir: string, hash: string, classIndex: number): string {
  return path.join(dir, `${hash}-${classIndex}.json`)
}

function readCache(dir: string, hash: string, classIndex: number): ClassMap | null {
  try {
    const c = JSON.parse(fs.readFileSync(cacheFile(dir, hash, classIndex), 'utf8')) as Omit<
      ClassMap,
      'map' | 'probs'
    > & { map: number[]; probs: number[] }
    return { ...c, map: Float32Array.from(c.map), probs: Float32Array.from(c.probs) }
  } catch {
    return null
  }
}

async function writeCache(dir: string, hash: string, cam: ClassMap, tmp: string): Promise<void> {
  // Maps are small (input side², e.g. 224² values rounded to 3 digits ≈ 250 kB of JSON at most).
  const json = JSON.stringify({
    ...cam,
    map: Array.from(cam.map, (v) => Math.round(v * 1000) / 1000),
    probs: Array.from(cam.probs),
  })
  await writeAtomic(cacheFile(dir, hash, cam.classIndex), Buffer.from(json), tmp)
}
