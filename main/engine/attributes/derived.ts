import {
  BRIGHTNESS,
  BUILT_IN_NAMES,
  GRAYSCALE_SPREAD,
  NONE,
  SIZE_BUCKETS,
  UNKNOWN,
  type BuiltInName,
} from '../store/builtin-attributes'

export { NONE, UNKNOWN }

/**
 * Built-in attributes, computed on the fly from the image row so they never go stale (a re-measure
 * or a backfill of pixel signals shows at once) and cost no storage. Their values are SQL
 * expressions (store/builtin-attributes.ts), so Browse filters by them through an index and the
 * listing counts them in one scan; this is what people read about them.
 */
export interface DerivedAttribute {
  name: BuiltInName
  description: string
}

const DESCRIPTIONS: Record<BuiltInName, string> = {
  origin: 'origin tag given at import (folder above the class folder, or the CSV origin column)',
  batch: 'import batch the image first came with',
  size: `shorter side in px: ${SIZE_BUCKETS.map(([, label]) => label)
    .reverse()
    .join(', ')}`,
  colour: `grayscale (channel spread under ${GRAYSCALE_SPREAD}/255) or colour`,
  brightness: `mean luminance: dark (<${BRIGHTNESS.dark}), medium, bright (≥${BRIGHTNESS.bright})`,
}

export const DERIVED: readonly DerivedAttribute[] = BUILT_IN_NAMES.map((name) => ({
  name,
  description: DESCRIPTIONS[name],
}))

export function derivedAttribute(name: string): DerivedAttribute | undefined {
  return DERIVED.find((d) => d.name === name)
}
