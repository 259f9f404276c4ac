/**
 * How many of an attribute's values (most common first) `attributes` lists; the rest are its "other".
 * Apart from requests.ts (which re-exports it) so that the store reads it without loading zod and
 * every request schema: a CLI command or a training process that opens a project starts faster.
 */
export const ATTRIBUTE_TOP_VALUES = 50
