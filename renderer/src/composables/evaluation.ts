import type { EvaluationDto } from '../../../preload/contract'
import { REFERENCE_COLOR, TRAIN_COLOR } from './colors'

/**
 * The reliability diagram as chart data: accuracy against mean confidence for each bin that has images,
 * with the ideal y = x drawn from 0 to 1 for reference.
 */
export function reliabilitySeries(bins: EvaluationDto['bins']) {
  const used = bins.filter((b) => b.count)
  return {
    x: [0, ...used.map((b) => b.confidence), 1],
    series: [
      { label: 'accuracy', color: TRAIN_COLOR, values: [null, ...used.map((b) => b.accuracy), null] },
      { label: 'ideal', color: REFERENCE_COLOR, dash: true, values: [0, ...used.map((b) => b.confidence), 1] },
    ],
  }
}

/** The largest count of a confusion matrix (at least 1), which scales the cells' shading. */
export function maxCount(confusion: number[][]): number {
  return Math.max(1, ...confusion.flat())
}

/** The run a view picks by default: the one already chosen while it is still offered, else the newest. */
export function defaultRun(chosen: number | null, offered: { run: number }[]): number | null {
  if (chosen !== null && offered.some((r) => r.run === chosen)) return chosen
  return offered.at(-1)?.run ?? null
}

/** Each row as shares of its total (a row of zeros stays zeros): the normalised confusion matrix. */
export function normalizeRows(confusion: number[][]): number[][] {
  return confusion.map((row) => {
    const sum = row.reduce((a, b) => a + b, 0)
    return row.map((n) => (sum ? n / sum : 0))
  })
}
