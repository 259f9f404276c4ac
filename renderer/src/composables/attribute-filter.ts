import type { AttributeChangeDto, AttributeDto, ImageQueryDto } from '../../../preload/contract'
import { plural } from './messages'

/**
 * Browse's attribute filter as the toolbar holds it: an attribute name, then a value key — 'v:<value>'
 * for one value, 'other' for the values past the listed ones, 'none' for images without a value, null
 * for any value (no filter). Keys are strings so the selects and the address can carry them; a value
 * cannot collide with 'other' or 'none' because values always carry the 'v:' prefix.
 */
export type AttributeKey = `v:${string}` | 'other' | 'none'

export type AttributeQuery = NonNullable<ImageQueryDto['attribute']>

export function valueKey(value: string): AttributeKey {
  return `v:${value}`
}

/** The images query's `attribute` for a name and key; undefined while either is unset. */
export function attributeQuery(name: string | null, key: string | null): AttributeQuery | undefined {
  if (!name || !key) return undefined
  if (key === 'other') return { name, other: true }
  if (key === 'none') return { name, value: null }
  return key.startsWith('v:') ? { name, value: key.slice(2) } : undefined
}

export interface ValueOption {
  key: AttributeKey
  label: string
}

/**
 * The value select's options: the listed values with their image counts, then "other" and "no value"
 * where there are such; `current` (from an address) is kept as an option when the list lacks it.
 */
export function valueOptions(a: AttributeDto | undefined, current: string | null = null): ValueOption[] {
  const out: ValueOption[] = (a?.values ?? []).map((v) => ({
    key: valueKey(v.value),
    label: `${v.value} (${v.images})`,
  }))
  if (a?.other) out.push({ key: 'other', label: `other: ${plural(a.other.values, 'value')} (${a.other.images})` })
  if (a?.missing) out.push({ key: 'none', label: `no value (${a.missing})` })
  if (current?.startsWith('v:') && !out.some((o) => o.key === current)) {
    out.push({ key: valueKey(current.slice(2)), label: current.slice(2) })
  }
  return out
}

/** The attribute select's label: the name and how many values it has. */
export function attributeLabel(a: AttributeDto): string {
  return `${a.name} (${plural(a.values.length + (a.other?.values ?? 0), 'value')})`
}

/** The address's form of the filter: ?attr=site&value=north, ?attr=site&other, ?attr=site&none. */
export function attributeToRoute(name: string | null, key: string | null): Record<string, string | null> {
  if (!name) return {}
  if (key === 'other' || key === 'none') return { attr: name, [key]: null }
  return key?.startsWith('v:') ? { attr: name, value: key.slice(2) } : { attr: name }
}

/** The filter an address names; keys it does not know are left alone. */
export function attributeFromRoute(q: Record<string, unknown>): { name: string | null; key: AttributeKey | null } {
  const first = (v: unknown) => (Array.isArray(v) ? v[0] : v)
  const name = first(q.attr)
  if (typeof name !== 'string' || !name) return { name: null, key: null }
  const value = first(q.value)
  if (typeof value === 'string' && value) return { name, key: valueKey(value) }
  if ('other' in q) return { name, key: 'other' }
  if ('none' in q) return { name, key: 'none' }
  return { name, key: null }
}

/** The route query keys the attribute filter owns. */
export const ATTRIBUTE_ROUTE_KEYS = ['attr', 'value', 'other', 'none'] as const

/** After a set or clear: "site = north on 3 images", "site cleared from 2 images (1 had none)". */
export function attributeMessage(r: AttributeChangeDto, count: number): string {
  const same = count - r.changed
  if (r.value === null) {
    const none = same ? ` (${plural(same, 'had', 'had')} none)` : ''
    return `${r.name} cleared from ${plural(count, 'image')}${none}`
  }
  const already = same ? ` (${plural(same, 'had', 'had')} it already)` : ''
  return `${r.name} = ${r.value} on ${plural(count, 'image')}${already}`
}
