/**
 * Metrics per slice (the images sharing one value of an attribute) over stored predictions: how the
 * model does for a subgroup, and how sure we can be of it. Pure functions over probability tables,
 * tested against hand-computed answers.
 */
import { argmax, calibration, confusionMatrix, perClassMetrics } from './metrics'

/** Two-sided 95 % normal quantile. */
const Z95 = 1.959963984540054

/** A slice is too small to conclude from below this support or with a wider accuracy interval. */
export const SMALL = { support: 30, ciWidth: 0.2 } as const
/** Most slices reported; the rest (fewest images) are pooled as `other`. */
export const MAX_SLICES = 20

export interface SliceRow {
  value: string
  truth: number
  probs: ArrayLike<number>
}

export interface GroupMetrics {
  support: number
  accuracy: number
  /** Wilson score 95 % interval of the accuracy. */
  accuracyCi: [number, number]
  /** Mean recall over the classes present in the group (others have no recall to speak of). */
  macroRecall: number
  /** Mean F1 over the classes present or predicted in the group (scikit-learn's label set). */
  macroF1: number
  /** Expected calibration error, 10 equal-width bins. */
  ece: number
}

export interface SliceMetrics extends GroupMetrics {
  value: string
  /** Slice accuracy minus overall accuracy: negative = the model does worse here. */
  gap: number
  /** Too few images to conclude (support < 30 or interval wider than 0.2). */
  small: boolean
}

export interface EqualOpportunity {
  classIndex: number
  /** The class's recall over all images. */
  overallRecall: number | null
  /** Per slice: images of the class, its recall there (null without any), Wilson interval. */
  slices: { value: string; support: number; recall: number | null; recallCi: [number, number] | null }[]
  /** Largest difference in recall between two slices that have images of the class (0 with fewer than two). */
  gap: number
}

export interface SliceReport {
  overall: GroupMetrics
  slices: SliceMetrics[]
  equalOpportunity?: EqualOpportunity
}

/** Wilson score interval for `hits` successes out of `n` (the whole [0, 1] when n = 0). */
export function wilson(hits: number, n: number, z = Z95): [number, number] {
  if (n <= 0) return [0, 1]
  const p = hits / n
  const z2 = z * z
  const centre = p + z2 / (2 * n)
  const half = z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))
  const denom = 1 + z2 / n
  return [Math.max(0, (centre - half) / denom), Math.min(1, (centre + half) / denom)]
}

/** Metrics of one group of predictions over `k` classes. */
export function groupMetrics(rows: readonly SliceRow[], k: number): GroupMetrics {
  const truth = rows.map((r) => r.truth)
  const pred = rows.map((r) => argmax(r.probs))
  const confusion = confusionMatrix(truth, pred, k)
  const per = perClassMetrics(confusion)
  const present = per.filter((m) => m.support > 0)
  const predicted = new Set(pred)
  const f1Classes = per.filter((m, c) => m.support > 0 || predicted.has(c))
  const correct = pred.map((p, i) => p === truth[i])
  const hits = correct.filter(Boolean).length
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0)
  return {
    support: rows.length,
    accuracy: rows.length ? hits / rows.length : 0,
    accuracyCi: wilson(hits, rows.length),
    macroRecall: mean(present.map((m) => m.recall)),
    macroF1: mean(f1Classes.map((m) => m.f1)),
    ece: calibration(
      rows.map((r, i) => r.probs[pred[i]!]!),
      correct,
    ).ece,
  }
}

/**
 * Groups rows by value, keeping the `maxSlices - 1` largest values and pooling the rest as `other`
 * when there are more than `maxSlices` (an attribute with hundreds of values stays readable).
 */
export function groupByValue(rows: readonly SliceRow[], maxSlices = MAX_SLICES): Map<string, SliceRow[]> {
  const groups = new Map<string, SliceRow[]>()
  for (const r of rows) {
    const g = groups.get(r.value)
    if (g) g.push(r)
    else groups.set(r.value, [r])
  }
  if (groups.size <= maxSlices) return groups
  const bySize = [...groups].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]))
  const kept = new Map(bySize.slice(0, maxSlices - 1))
  // A real value named "other" must not swallow the pooled rest.
  let other = 'other'
  while (kept.has(other)) other = `(${other})`
  kept.set(
    other,
    bySize.slice(maxSlices - 1).flatMap(([, g]) => g),
  )
  return kept
}

/** Per-slice metrics, worst accuracy first; with `classIndex`, that class's recall per slice too. */
export function sliceMetrics(
  rows: readonly SliceRow[],
  k: number,
  opts: { classIndex?: number; maxSlices?: number } = {},
): SliceReport {
  const overall = groupMetrics(rows, k)
  const groups = groupByValue(rows, opts.maxSlices)
  const slices: SliceMetrics[] = [...groups].map(([value, g]) => {
    const m = groupMetrics(g, k)
    const small = m.support < SMALL.support || m.accuracyCi[1] - m.accuracyCi[0] > SMALL.ciWidth
    return { value, ...m, gap: m.accuracy - overall.accuracy, small }
  })
  slices.sort((a, b) => a.accuracy - b.accuracy || b.support - a.support || a.value.localeCompare(b.value))
  const report: SliceReport = { overall, slices }
  if (opts.classIndex !== undefined) report.equalOpportunity = equalOpportunity(rows, groups, opts.classIndex)
  return report
}

function classRecall(rows: readonly SliceRow[], c: number): { support: number; hits: number } {
  const of = rows.filter((r) => r.truth === c)
  return { support: of.length, hits: of.filter((r) => argmax(r.probs) === c).length }
}

/** The chosen class's recall (true-positive rate) per slice, worst first, and the largest gap between slices. */
export function equalOpportunity(
  rows: readonly SliceRow[],
  groups: ReadonlyMap<string, readonly SliceRow[]>,
  classIndex: number,
): EqualOpportunity {
  const all = classRecall(rows, classIndex)
  const slices = [...groups].map(([value, g]) => {
    const { support, hits } = classRecall(g, classIndex)
    return {
      value,
      support,
      recall: support ? hits / support : null,
      recallCi: support ? wilson(hits, support) : null,
    }
  })
  // Slices without images of the class last: they say nothing about it.
  slices.sort(
    (a, b) =>
      (a.recall ?? Infinity) - (b.recall ?? Infinity) || b.support - a.support || a.value.localeCompare(b.value),
  )
  const recalls = slices.flatMap((s) => (s.recall === null ? [] : [s.recall]))
  return {
    classIndex,
    overallRecall: all.support ? all.hits / all.support : null,
    slices,
    gap: recalls.length >= 2 ? Math.max(...recalls) - Math.min(...recalls) : 0,
  }
}
