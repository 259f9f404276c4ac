import { OUTLIER } from '../health/findings'
import type { ImageFactsRow } from '../store'

/**
 * Built-in attributes, computed on the fly from the image row so they never go stale (a re-measure
 * or a backfill of pixel signals shows at once) and cost no storage.
 */
export interface DerivedAttribute {
  name: string
  description: string
  of(f: ImageFactsRow): string
}

/** Value of an image that has no origin tag (and of a user attribute an image lacks). */
export const NONE = '(none)'
/** Value of a pixel signal not measured yet (images.brightness / colourfulness NULL). */
export const UNKNOWN = 'unknown'

/** Shorter-side buckets, px: lower bound and label. */
const SIZE_BUCKETS: readonly [number, string][] = [
  [1024, '≥1024'],
  [512, '512–1023'],
  [128, '128–511'],
  [0, '<128'],
]

/** Mean luminance (0–255) thresholds: a third of the range each. */
export const BRIGHTNESS = { dark: 85, bright: 170 } as const

export const DERIVED: readonly DerivedAttribute[] = [
  {
    name: 'origin',
    description: 'origin tag given at import (folder above the class folder, or the CSV origin column)',
    of: (f) => f.origin ?? NONE,
  },
  {
    name: 'batch',
    description: 'import batch the image first came with',
    of: (f) => (f.batchId === null ? UNKNOWN : `#${f.batchId}`),
  },
  {
    name: 'size',
    description: 'shorter side in px: <128, 128–511, 512–1023, ≥1024',
    of: (f) => SIZE_BUCKETS.find(([min]) => Math.min(f.width, f.height) >= min)![1],
  },
  {
    name: 'colour',
    description: `grayscale (channel spread under ${OUTLIER.grayscaleSpread}/255) or colour`,
    of: (f) =>
      f.colourfulness === null ? UNKNOWN : f.colourfulness < OUTLIER.grayscaleSpread ? 'grayscale' : 'colour',
  },
  {
    name: 'brightness',
    description: `mean luminance: dark (<${BRIGHTNESS.dark}), medium, bright (≥${BRIGHTNESS.bright})`,
    of: (f) =>
      f.brightness === null
        ? UNKNOWN
        : f.brightness < BRIGHTNESS.dark
          ? 'dark'
          : f.brightness < BRIGHTNESS.bright
            ? 'medium'
            : 'bright',
  },
]

export function derivedAttribute(name: string): DerivedAttribute | undefined {
  return DERIVED.find((d) => d.name === name)
}
