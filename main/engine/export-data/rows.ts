import { NotFoundError, ValidationError } from '../errors'
import type { ImageRecord, Split } from '../store'
import type { Studio } from '../studio'
import type { ResolvedOptions } from './options'

/** One image as the export sees it: what names, places and labels its file. */
export interface ExportRow {
  imageId: number
  hash: string
  /** Extension of the stored original (from its decoded format), with the dot. */
  ext: string
  format: string
  originalName: string
  /** After EXIF orientation. */
  width: number
  height: number
  missing: boolean
  label: string | null
  split: Split | null
  /** Stored attributes (csv only). */
  attributes: Record<string, string>
  /** The run's prediction (labelstudio with a run). */
  prediction: { label: string; confidence: number } | null
}

/** Everything the export writes, read in one synchronous pass so that label edits meanwhile cannot mix in. */
export interface ExportPlan {
  rows: ExportRow[]
  /** Class names in output order (a version's) or class order (the current labels). */
  classes: string[]
  attributeNames: string[]
  /** `run N` for Label Studio's model_version; null without a run. */
  model: string | null
}

const CHUNK = 1000

/**
 * The rows of a dataset version (its classes and splits as frozen) or of the current labels (every
 * image, unlabeled ones too, no splits). Metadata only: a 100,000-image project is a few tens of MB
 * here, the pixels stay on disk until each file is written.
 */
export function planExport(studio: Studio, o: ResolvedOptions): ExportPlan {
  const store = studio.store
  const model = checkSources(studio, o)
  let rows: ExportRow[]
  let classes: string[]
  if (o.versionId !== null) {
    const v = store.datasets.version(o.versionId)!
    classes = v.classes.map((c) => c.name)
    rows = store.datasets.items(v.id).map((it) => {
      const img = store.images.get(it.imageId)!
      return row(img, classes[it.classIndex] ?? null, it.split)
    })
  } else {
    classes = store.labels.liveClasses().map((c) => c.name)
    rows = []
    let cursor: string | null = null
    do {
      const page = store.images.page({ sort: 'imported', order: 'asc', limit: CHUNK, cursor })
      for (const img of page.items) rows.push(row(img, img.className, null))
      cursor = page.nextCursor
    } while (cursor)
  }
  const attributeNames = o.format === 'csv' ? store.attributes.names().map((a) => a.name) : []
  for (let i = 0; i < rows.length; i += CHUNK) {
    const chunk = rows.slice(i, i + CHUNK)
    const ids = chunk.map((r) => r.imageId)
    for (const name of attributeNames) {
      const values = store.attributes.valuesOf(name, ids)
      for (const r of chunk) {
        const value = values.get(r.imageId)
        if (value !== undefined) r.attributes[name] = value
      }
    }
    if (o.runId !== null) {
      // Scores cover every image a scored run saw; the run's own predictions its evaluation split.
      const lens = store.runs.predictionsOf(o.runId, ids)
      for (const [id, score] of store.quality.scoresOf(o.runId, ids)) lens.set(id, score)
      for (const r of chunk) {
        const p = lens.get(r.imageId)
        if (p?.className) r.prediction = { label: p.className, confidence: p.confidence }
      }
    }
  }
  return { rows, classes, attributeNames, model }
}

/**
 * Refuses a version or run that does not exist, or a run that has not finished; returns the run's
 * name for Label Studio's `model_version` (null without a run).
 */
export function checkSources(studio: Studio, o: ResolvedOptions): string | null {
  if (o.versionId !== null && !studio.store.datasets.version(o.versionId)) {
    throw new NotFoundError(`dataset version ${o.versionId} does not exist`)
  }
  if (o.runId === null) return null
  const run = studio.store.runs.get(o.runId)
  if (!run) throw new NotFoundError(`run ${o.runId} does not exist`)
  if (run.status !== 'done') throw new ValidationError(`run ${o.runId} is ${run.status}; only a finished run predicts`)
  return `studio run ${run.id}`
}

function row(img: ImageRecord, label: string | null, split: Split | null): ExportRow {
  return {
    imageId: img.id,
    hash: img.hash,
    ext: img.ext,
    format: img.format,
    originalName: img.originalName,
    width: img.width,
    height: img.height,
    missing: img.status === 'missing',
    label,
    split,
    attributes: {},
    prediction: null,
  }
}
