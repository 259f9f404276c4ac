import { NotFoundError, ValidationError } from '../errors'
import type { Store } from '../store'
import { DERIVED, derivedAttribute, NONE } from './derived'

/** Longest attribute name and value kept (a CSV cell is not an essay). */
export const MAX_NAME = 64
export const MAX_VALUE = 200

/** Names an attribute cannot take: the built-ins and the CSV columns that mean something else. */
export const RESERVED_NAMES: readonly string[] = [...DERIVED.map((d) => d.name), 'path', 'label', 'color']

/** Why `raw` cannot name an attribute, or null when it can (as `normalizeName(raw)`). */
export function nameProblem(raw: string): string | null {
  const name = raw.trim().toLowerCase()
  if (!name) return 'an attribute name cannot be empty'
  if (name.length > MAX_NAME) return `attribute name ${JSON.stringify(raw)} is longer than ${MAX_NAME} characters`
  if (!/^[\p{L}\p{N}_][\p{L}\p{N}_ .-]*$/u.test(name)) {
    return `attribute name ${JSON.stringify(raw)} may hold only letters, digits, space, _ . and -`
  }
  if (derivedAttribute(name)) {
    return `${JSON.stringify(name)} is a built-in attribute name: its values are computed from each image, not set`
  }
  if (RESERVED_NAMES.includes(name)) return `${JSON.stringify(name)} is a reserved attribute name (path, label, color)`
  return null
}

/** Attribute names are case-insensitive: stored in lower case, so `Site` and `site` are one attribute. */
export function normalizeName(raw: string): string {
  const problem = nameProblem(raw)
  if (problem) throw new ValidationError(problem)
  return raw.trim().toLowerCase()
}

export function normalizeValue(raw: string): string {
  const value = raw.trim()
  if (!value) throw new ValidationError('an attribute value cannot be empty (use clear to remove it)')
  if (value.length > MAX_VALUE) throw new ValidationError(`attribute value is longer than ${MAX_VALUE} characters`)
  return value
}

export function setAttribute(store: Store, imageIds: readonly number[], name: string, value: string): number {
  const n = normalizeName(name)
  const v = normalizeValue(value)
  return store.tx(() => store.attributes.set(imageIds, n, v))
}

export function clearAttribute(store: Store, imageIds: readonly number[], name: string): number {
  const n = normalizeName(name)
  return store.tx(() => store.attributes.clear(imageIds, n))
}

/** One set or clear as the page makes it: what changed, and each image's value before (its Undo). */
export interface AttributeChange {
  name: string
  /** null: cleared. */
  value: string | null
  changed: number
  /** The images grouped by their value before (null: none), in the order of their first image. */
  before: { value: string | null; imageIds: number[] }[]
}

/**
 * Sets (`value`) or clears (null) one stored attribute on images, in one transaction, and tells what
 * each had before. Ids that are no image are refused before anything is written.
 */
export function changeAttribute(
  store: Store,
  imageIds: readonly number[],
  name: string,
  value: string | null,
): AttributeChange {
  const n = normalizeName(name)
  const v = value === null ? null : normalizeValue(value)
  const ids = [...new Set(imageIds)]
  return store.tx(() => {
    const unknown = store.attributes.unknownImages(ids)
    if (unknown.length) {
      const shown = unknown.slice(0, 5).join(', ') + (unknown.length > 5 ? ', …' : '')
      throw new NotFoundError(`no image ${shown} in this project`)
    }
    const old = store.attributes.valuesOf(n, ids)
    const groups = new Map<string | null, number[]>()
    for (const id of ids) {
      const was = old.get(id) ?? null
      const group = groups.get(was)
      if (group) group.push(id)
      else groups.set(was, [id])
    }
    const changed = v === null ? store.attributes.clear(ids, n) : store.attributes.set(ids, n, v)
    return { name: n, value: v, changed, before: [...groups].map(([value, imageIds]) => ({ value, imageIds })) }
  })
}

export interface AttributeSummary {
  name: string
  builtIn: boolean
  description: string | null
  /** Images with a value (every image for a built-in). */
  images: number
  /** Values with their image counts, most common first. */
  values: { value: string; images: number }[]
}

/** Every attribute of the project: the built-ins over all images, then the stored ones. */
export function listAttributes(store: Store): AttributeSummary[] {
  const builtIns = DERIVED.map((d) => {
    const counts = store.attributes.valueCounts(d.name)
    return { name: d.name, builtIn: true, description: d.description, images: counts.total, values: counts.values }
  })
  const stored = store.attributes.names().map((a) => ({
    name: a.name,
    builtIn: false,
    description: null,
    images: a.images,
    values: store.attributes.values(a.name),
  }))
  return [...builtIns, ...stored]
}

/**
 * Each image's value of one attribute (built-in or stored); an image without a stored value gets
 * `(none)`. An attribute no image has is a NotFoundError that lists the ones there are.
 */
export function attributeValues(store: Store, name: string, imageIds: readonly number[]): Map<number, string> {
  const key = name.trim().toLowerCase()
  const derived = derivedAttribute(key)
  if (derived) return store.attributes.builtInValues(derived.name, imageIds)
  const known = store.attributes.names().map((a) => a.name)
  if (!known.includes(key)) {
    const all = [...DERIVED.map((d) => d.name), ...known]
    throw new NotFoundError(`no attribute ${JSON.stringify(name)} (attributes: ${all.join(', ')})`)
  }
  const stored = store.attributes.valuesOf(key, imageIds)
  return new Map(imageIds.map((id) => [id, stored.get(id) ?? NONE]))
}

/**
 * Stores the attributes CSV rows gave (extra columns) on the images their paths became, duplicates
 * included: the batch's recorded sources map each path to its image. One transaction.
 */
export function applyImportAttributes(
  store: Store,
  batchId: number,
  items: readonly { rel: string; attributes?: Record<string, string> }[],
): number {
  const withAttrs = items.filter((i) => i.attributes && Object.keys(i.attributes).length)
  if (!withAttrs.length) return 0
  return store.tx(() => {
    const images = store.attributes.batchSources(batchId)
    let n = 0
    for (const item of withAttrs) {
      const id = images.get(item.rel)
      if (id === undefined) continue
      for (const [name, value] of Object.entries(item.attributes!)) n += store.attributes.set([id], name, value)
    }
    return n
  })
}
