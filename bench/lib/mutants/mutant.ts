/**
 * The targeted mutants of bench/mutations.ts: small, realistic bugs (an off-by-one, a dropped guard,
 * a flipped order, a missing check), each a text replacement in one file, with the test files that
 * should notice it. Each `find` must occur exactly once in its file. One file per area.
 */

export type Area = 'store' | 'datasets' | 'evaluation' | 'server'

export interface Mutant {
  area: Area
  file: string
  find: string
  replace: string
  /** The bug in words. */
  what: string
  tests: string[]
}

export const m = (area: Area, file: string, what: string, find: string, replace: string, tests: string[]): Mutant => ({
  area,
  file,
  find,
  replace,
  what,
  tests,
})
