/**
 * The built-in attributes' values as SQL over the image row: Browse filters by them through an index
 * and `attributes` counts them without reading every row into JS. Computed, never stored, so a
 * re-measure or a backfill of pixel signals shows at once. attributes/derived.ts describes them.
 *
 * Migration 6 indexes each expression with the id (the imported order), as written here then. SQLite
 * uses an expression index only for the identical expression: changing one here needs a migration
 * that rebuilds its index (answers stay right meanwhile, only unindexed; tests/engine/store's plan
 * test fails until then).
 */

/** Value of an image that has no origin tag (and of a stored attribute an image lacks). */
export const NONE = '(none)'
/** Value of something not known: no import batch, a pixel signal not measured yet. */
export const UNKNOWN = 'unknown'

/** Shorter-side buckets, px: lower bound and label, largest first. */
export const SIZE_BUCKETS: readonly (readonly [number, string])[] = [
  [1024, '≥1024'],
  [512, '512–1023'],
  [128, '128–511'],
  [0, '<128'],
]

/** Mean luminance (0–255) thresholds: a third of the range each. */
export const BRIGHTNESS = { dark: 85, bright: 170 } as const

/** Colour spread (0–255) below which an image is grayscale: the health report's outlier threshold. */
export const GRAYSCALE_SPREAD = 4

export const BUILT_IN_NAMES = ['origin', 'batch', 'size', 'colour', 'brightness'] as const
export type BuiltInName = (typeof BUILT_IN_NAMES)[number]

export function isBuiltIn(name: string): name is BuiltInName {
  return (BUILT_IN_NAMES as readonly string[]).includes(name)
}

/** A SQL string literal (the labels above are ours, never user text). */
const lit = (s: string) => `'${s.replace(/'/g, "''")}'`

/**
 * The SQL expression of a built-in attribute's value. `t`: the table alias with its dot ('i.') in
 * queries, '' in the index (an index expression cannot name its table).
 */
export function builtInSql(name: BuiltInName, t = ''): string {
  switch (name) {
    case 'origin':
      return `coalesce(${t}origin, ${lit(NONE)})`
    case 'batch':
      return `CASE WHEN ${t}batch_id IS NULL THEN ${lit(UNKNOWN)} ELSE '#' || ${t}batch_id END`
    case 'size': {
      const side = `min(${t}width, ${t}height)`
      const whens = SIZE_BUCKETS.slice(0, -1).map(([min, label]) => `WHEN ${side} >= ${min} THEN ${lit(label)}`)
      return `CASE ${whens.join(' ')} ELSE ${lit(SIZE_BUCKETS.at(-1)![1])} END`
    }
    case 'colour':
      return `CASE WHEN ${t}colourfulness IS NULL THEN ${lit(UNKNOWN)} WHEN ${t}colourfulness < ${GRAYSCALE_SPREAD}
        THEN 'grayscale' ELSE 'colour' END`
    case 'brightness':
      return `CASE WHEN ${t}brightness IS NULL THEN ${lit(UNKNOWN)} WHEN ${t}brightness < ${BRIGHTNESS.dark} THEN 'dark'
        WHEN ${t}brightness < ${BRIGHTNESS.bright} THEN 'medium' ELSE 'bright' END`
  }
}
