/**
 * Constants of the request shapes (requests.ts re-exports them), apart from the zod schemas so that
 * the engine reads them without loading zod and every schema: the store, the health findings and so
 * every process that opens a project or trains (CLI commands, the trainer) start faster.
 */

/** The health report's stable finding kinds (the contract's FindingKind). */
export const FINDING_KINDS = [
  'conflicting-duplicate',
  'near-duplicate',
  'split-leakage',
  'class-imbalance',
  'small-class',
  'empty-class',
  'outlier-small',
  'outlier-aspect',
  'outlier-grayscale',
  'outlier-dark',
  'outlier-bright',
  'outlier-blurry',
  'unreadable',
  'skipped-not-image',
] as const

/** How many of an attribute's values (most common first) `attributes` lists; the rest are its "other". */
export const ATTRIBUTE_TOP_VALUES = 50
