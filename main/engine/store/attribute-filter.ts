import { ATTRIBUTE_TOP_VALUES } from '../api/constants'
import type { ImageQuery } from '../api/requests'
import { builtInSql, isBuiltIn } from './builtin-attributes'

/** Browse's attribute filter: a value, no value (null), or `other` (a value outside the top ones). */
export type AttributeFilter = NonNullable<ImageQuery['attribute']>

/** An attribute's values with their image counts, most common first, and the project's image count. */
export interface ValueCounts {
  values: { value: string; images: number }[]
  total: number
}

/**
 * What the query is for: counting (every match is visited anyway), or one page in a sort order,
 * which can stop as soon as the page is full.
 */
export type FilterUse = 'count' | { sort: 'imported' | 'name' | 'size' }

/**
 * For one page, a list of the m matching ids (from the attribute's index) or a walk along the sort
 * order testing each row (about rows × total / m rows for a page of `rows`, ≤ 1,200 with the offset
 * anchors)? A list entry is cheap while the list is in the sort's order already (imported: by id); for
 * another sort each listed row is fetched and sorted, about as dear as a row tested on a walk. So a
 * list is taken while m² ≤ total × LIST_FACTOR (at 100,000 images: m ≤ 44,000 imported, 5,500 by
 * name or size; measured in docs/ARCHITECTURE.md, "Browsing queries").
 */
const LIST_FACTOR = { imported: 20_000, sorted: 300 } as const

const NOTHING = { sql: '0', params: [] as unknown[] }

/**
 * The WHERE term of an attribute filter over `images i`, chosen by how many images match (from
 * `counts`, cached by the caller until the data changes) so a page is one index search, or a walk
 * along the sort index that stops when the page is full — never a sort of a large match set.
 */
export function attributeWhere(
  f: AttributeFilter,
  counts: (name: string) => ValueCounts,
  use: FilterUse,
): { sql: string; params: unknown[] } {
  const name = f.name.trim().toLowerCase()
  const c = counts(name)
  const rest = c.values.slice(ATTRIBUTE_TOP_VALUES)
  const matches = attributeMatches(f, c)
  if (!matches) return NOTHING
  const sort = use === 'count' ? null : use.sort
  const factor = LIST_FACTOR[sort === 'imported' ? 'imported' : 'sorted']
  const list = sort === null || matches * matches <= c.total * factor
  const restJson = JSON.stringify(rest.map((v) => v.value))
  const topJson = JSON.stringify(c.values.slice(0, ATTRIBUTE_TOP_VALUES).map((v) => v.value))

  if (isBuiltIn(name)) {
    const expr = builtInSql(name, 'i.')
    if (f.other) {
      // Several values: their index ranges come out of id order, so a list is sorted (kept small).
      if (list) return { sql: `${expr} IN (SELECT value FROM json_each(?))`, params: [restJson] }
      return { sql: `${expr} NOT IN (SELECT value FROM json_each(?))`, params: [topJson] }
    }
    // One value's (value, id) index range is the imported order already: only another sort may walk.
    // `|| ''` keeps the value but not the indexed expression, so SQLite then walks the sort index.
    const indexed = list || sort === 'imported'
    return { sql: indexed ? `${expr} = ?` : `(${expr}) || '' = ?`, params: [f.value] }
  }

  // The image's value, one primary-key probe per row walked; NULL when it has none.
  const probe = '(SELECT a.value FROM image_attributes a WHERE a.image_id = i.id AND a.name = ?)'
  const ids = (cond: string) => `i.id IN (SELECT a.image_id FROM image_attributes a WHERE a.name = ? AND ${cond})`
  if (f.other) {
    if (list) return { sql: ids('a.value IN (SELECT value FROM json_each(?))'), params: [name, restJson] }
    return { sql: `${probe} NOT IN (SELECT value FROM json_each(?))`, params: [name, topJson] }
  }
  // No index lists the images a name is missing from: always a walk (or, counting, a probe per image).
  if (f.value === null || f.value === undefined) return { sql: `${probe} IS NULL`, params: [name] }
  if (list) return { sql: ids('a.value = ?'), params: [name, f.value] }
  return { sql: `${probe} = ?`, params: [name, f.value] }
}

/** How many images the filter matches, from the attribute's value counts (`counts`). */
export function attributeMatches(f: AttributeFilter, c: ValueCounts): number {
  if (f.other) return c.values.slice(ATTRIBUTE_TOP_VALUES).reduce((n, v) => n + v.images, 0)
  if (f.value === null || f.value === undefined) return c.total - c.values.reduce((n, v) => n + v.images, 0)
  return c.values.find((v) => v.value === f.value)?.images ?? 0
}
