import type { ImageQueryDto } from '../../../preload/contract'

/** What the browse toolbar shows. */
export interface BrowseFilter {
  /** 'all', 'unlabeled', or a class id. */
  label: 'all' | 'unlabeled' | number
  origin: string | null | 'any'
  search: string
  sort: 'imported' | 'name' | 'size'
  order: 'asc' | 'desc'
}

export const DEFAULT_FILTER: BrowseFilter = { label: 'all', origin: 'any', search: '', sort: 'imported', order: 'asc' }

/** The toolbar's state as an images query (unit-tested). */
export function filterToQuery(f: BrowseFilter, limit = 200): ImageQueryDto {
  const q: ImageQueryDto = { sort: f.sort, order: f.order, limit }
  if (f.label === 'unlabeled') q.unlabeled = true
  else if (typeof f.label === 'number') q.classIds = [f.label]
  if (f.origin !== 'any') q.origin = f.origin
  const search = f.search.trim()
  if (search) q.search = search
  return q
}
