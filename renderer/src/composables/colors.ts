/**
 * Chart colours are CSS variables (style.css), so a theme changes them in one place. A canvas cannot
 * read `var(--…)` itself: LineChart resolves it with `resolveColor` when it draws.
 */

/** How many series colours style.css defines; the palette repeats after that. */
export const SERIES_COUNT = 8

/** The colour of a chart's i-th series (0-based). */
export function seriesColor(i: number): string {
  return `var(--series-${(((i % SERIES_COUNT) + SERIES_COUNT) % SERIES_COUNT) + 1})`
}

/** Training curves use the first series colour, validation curves the second, in every chart. */
export const TRAIN_COLOR = seriesColor(0)
export const VAL_COLOR = seriesColor(1)
/** Reference lines (the ideal y = x of a reliability diagram). */
export const REFERENCE_COLOR = 'var(--muted)'

/** The custom property a `var(--name)` colour refers to, or null when the colour is a literal. */
export function cssVariable(color: string): string | null {
  return /^var\(\s*(--[\w-]+)\s*\)$/.exec(color)?.[1] ?? null
}

/** A colour a canvas can draw with: `var(--x)` looked up in `style`, anything else as given. */
export function resolveColor(color: string, style: Pick<CSSStyleDeclaration, 'getPropertyValue'>): string {
  const name = cssVariable(color)
  if (!name) return color
  return style.getPropertyValue(name).trim() || 'gray'
}
