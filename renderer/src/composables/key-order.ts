/**
 * Which class each label key gives. The user can reorder the keys in the class panel; the order is a
 * preference of this browser (per project), not project data, so it is a list of class ids: classes
 * it names come first in its order, the others after them in the engine's order (creation order).
 */
export function orderClasses<C extends { id: number }>(classes: readonly C[], order: readonly number[]): C[] {
  const rank = new Map(order.map((id, i) => [id, i]))
  const known = classes.filter((c) => rank.has(c.id)).sort((a, b) => rank.get(a.id)! - rank.get(b.id)!)
  return [...known, ...classes.filter((c) => !rank.has(c.id))]
}

/** The order after moving class `id` by `delta` places (clamped), as the full list of ids shown. */
export function moveClass(shown: readonly { id: number }[], id: number, delta: number): number[] {
  const ids = shown.map((c) => c.id)
  const from = ids.indexOf(id)
  if (from < 0) return ids
  const to = Math.max(0, Math.min(ids.length - 1, from + delta))
  ids.splice(from, 1)
  ids.splice(to, 0, id)
  return ids
}

/** A saved order read back: a list of positive integers, or nothing. */
export function parseOrder(raw: string | null): number[] {
  try {
    const v: unknown = JSON.parse(raw ?? '[]')
    return Array.isArray(v) ? v.filter((x): x is number => Number.isInteger(x) && x > 0) : []
  } catch {
    return []
  }
}

/** The message for a label key that gives no class ("5" with 2 classes). */
export function noClassMessage(key: number, classes: number): string {
  if (classes === 0) return `Key ${key} gives no class: there are no classes yet. Add one in the class panel.`
  const have = classes === 1 ? 'there is 1 class' : `there are ${classes} classes`
  return `Key ${key} gives no class: ${have} (keys 1–${Math.min(9, classes)}).`
}
