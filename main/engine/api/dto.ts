import type { AttributeDto, ImageDto, RunDto } from '../../../preload/contract'
import type { AttributeSummary } from '../attributes/attributes'
import { runScores } from '../evaluation/report'
import { ATTRIBUTE_TOP_VALUES } from './requests'
import type { ImageRecord, RunRecord } from '../store'
import type { Studio } from '../studio'

/**
 * Stored records as the contract shows them. The service answers with these and the CLI prints
 * them (`studio runs --json`), so a run reads the same in the page and on the command line.
 */
export function imageDto(i: ImageRecord): ImageDto {
  return {
    id: i.id,
    hash: i.hash,
    name: i.originalName,
    path: i.relPath,
    format: i.format,
    width: i.width,
    height: i.height,
    bytes: i.bytes,
    origin: i.origin,
    classId: i.classId,
    className: i.className,
    importedAt: i.importedAt,
    status: i.status,
  }
}

/** An attribute with its top values, the rest pooled as "other" (what Browse's "other" filter matches). */
export function attributeDto(a: AttributeSummary, total: number): AttributeDto {
  const rest = a.values.slice(ATTRIBUTE_TOP_VALUES)
  return {
    ...a,
    values: a.values.slice(0, ATTRIBUTE_TOP_VALUES),
    other: rest.length ? { values: rest.length, images: rest.reduce((n, v) => n + v.images, 0) } : null,
    missing: a.builtIn ? 0 : total - a.images,
  }
}

export function runDto(studio: Studio, r: RunRecord, now = Date.now()): RunDto {
  return {
    run: r.id,
    status: r.status,
    preset: r.preset,
    datasetVersion: r.datasetVersion,
    backend: r.backend,
    epochs: r.epochsDone,
    createdAt: r.createdAt,
    finishedAt: r.finishedAt,
    error: r.error,
    seconds: ((r.finishedAt ? Date.parse(r.finishedAt) : now) - Date.parse(r.createdAt)) / 1000,
    config: parseConfig(r.config),
    ...runScores(studio, r),
  }
}

function parseConfig(json: string): Record<string, unknown> {
  const value: unknown = JSON.parse(json)
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? { ...value } : {}
}
