import type { FindingKind } from '../../../preload/contract'
import { plural } from './messages'

/** The health report's finding kinds as the Browse filter names them; a Record, so a new kind must be named. */
export const FINDING_LABELS: Record<FindingKind, string> = {
  'conflicting-duplicate': 'Same image, different labels',
  'near-duplicate': 'Near-duplicates',
  'split-leakage': 'Leaks across splits',
  'class-imbalance': 'Imbalanced classes',
  'small-class': 'Small classes',
  'empty-class': 'Empty classes',
  'outlier-small': 'Very small images',
  'outlier-aspect': 'Unusual shape',
  'outlier-grayscale': 'Grayscale among colour',
  'outlier-dark': 'Unusually dark',
  'outlier-bright': 'Unusually bright',
  'outlier-blurry': 'Blurry',
  unreadable: 'Unreadable',
  'skipped-not-image': 'Not images',
}

export const FINDING_OPTIONS = (Object.keys(FINDING_LABELS) as FindingKind[]).map((kind) => ({
  kind,
  label: FINDING_LABELS[kind],
}))

/** A router query value as a finding kind, or null when it names none. */
export function findingOf(q: unknown): FindingKind | null {
  const v = Array.isArray(q) ? q[0] : q
  return FINDING_OPTIONS.find((o) => o.kind === v)?.kind ?? null
}

const SPLIT_NAME: Record<string, string> = { train: 'training', val: 'validation', test: 'test' }

/**
 * What the predictions lens covers, in words: a run predicts its evaluation split when it ends, and
 * every image once it is scored. `covered`: images with a prediction of the run; `total`: all images.
 */
export function lensCoverage(run: number, covered: number, total: number, split: string | null): string {
  if (total > 0 && covered >= total) return `Run ${run} scored every image: all ${total} show its prediction.`
  const shown = `${covered} of ${plural(total, 'image')} show a prediction`
  if (split && SPLIT_NAME[split]) {
    return `Run ${run} predicted its ${SPLIT_NAME[split]} split only: ${shown}; the others show none.`
  }
  return `Run ${run}: ${shown}; the others show none.`
}
