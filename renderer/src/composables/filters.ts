import type { FindingKind, ImageQueryDto } from '../../../preload/contract'
import { attributeQuery } from './attribute-filter'

export type Split = 'train' | 'val' | 'test'

/** What the browse toolbar shows. */
export interface BrowseFilter {
  /** 'all', 'unlabeled', or a class id. */
  label: 'all' | 'unlabeled' | number
  origin: string | null | 'any'
  search: string
  /** A split of the lens run's dataset version, else of `version` (the newest version). */
  split: Split | 'any'
  version: number | null
  /** A run whose predictions the grid shows and the filters below use; null: none. */
  runId: number | null
  predicted: number | 'any'
  correct: 'any' | 'correct' | 'incorrect'
  /** Confidence range in percent, 0–100. */
  minConfidence: number
  maxConfidence: number
  sort: 'imported' | 'name' | 'size'
  order: 'asc' | 'desc'
  /** Images of one finding of the last health report (Health's "Show in Browse": ?finding=<kind>). */
  finding: FindingKind | null
  /** Undecided suspects of the latest label check. */
  suspects: boolean
  /** An attribute (stored or built in), and which of its values (composables/attribute-filter.ts); null: any. */
  attrName: string | null
  attrValue: string | null
}

export const DEFAULT_FILTER: BrowseFilter = {
  label: 'all',
  origin: 'any',
  search: '',
  split: 'any',
  version: null,
  runId: null,
  predicted: 'any',
  correct: 'any',
  minConfidence: 0,
  maxConfidence: 100,
  sort: 'imported',
  order: 'asc',
  finding: null,
  suspects: false,
  attrName: null,
  attrValue: null,
}

/** The toolbar's state as an images query (unit-tested). Prediction filters apply only with a run. */
export function filterToQuery(f: BrowseFilter, limit = 200): ImageQueryDto {
  const q: ImageQueryDto = { sort: f.sort, order: f.order, limit }
  if (f.label === 'unlabeled') q.unlabeled = true
  else if (typeof f.label === 'number') q.classIds = [f.label]
  if (f.origin !== 'any') q.origin = f.origin
  const search = f.search.trim()
  if (search) q.search = search
  if (f.finding) q.finding = f.finding
  if (f.suspects) q.suspects = true
  const attribute = attributeQuery(f.attrName, f.attrValue)
  if (attribute) q.attribute = attribute
  if (f.runId !== null) {
    q.runId = f.runId
    if (f.predicted !== 'any') q.predictedClassIds = [f.predicted]
    if (f.correct !== 'any') q.correct = f.correct === 'correct'
    if (f.minConfidence > 0) q.minConfidence = f.minConfidence / 100
    if (f.maxConfidence < 100) q.maxConfidence = f.maxConfidence / 100
  }
  if (f.split !== 'any' && (f.runId !== null || f.version !== null)) {
    q.split = f.split
    if (f.runId === null) q.versionId = f.version!
  }
  return q
}
