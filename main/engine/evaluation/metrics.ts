/**
 * Classification metrics over stored predictions. Pure functions, no tensors: they are tested
 * against hand-computed confusion matrices. Conventions follow scikit-learn with
 * zero_division=0: a class never predicted has precision 0; one never present has recall 0.
 */

export interface ClassMetrics {
  precision: number
  recall: number
  f1: number
  support: number
}

export interface CalibrationBin {
  lower: number
  upper: number
  count: number
  /** Mean confidence of the predictions in the bin (0 when empty). */
  confidence: number
  /** Fraction of them that were right (0 when empty). */
  accuracy: number
}

export interface EvaluationSummary {
  count: number
  accuracy: number
  /** Mean categorical cross-entropy. */
  loss: number
  perClass: ClassMetrics[]
  macro: Omit<ClassMetrics, 'support'>
  weighted: Omit<ClassMetrics, 'support'>
  /** confusion[true][pred] */
  confusion: number[][]
  topK: { k: number; accuracy: number }[]
  ece: number
  bins: CalibrationBin[]
}

export function confusionMatrix(truth: ArrayLike<number>, pred: ArrayLike<number>, k: number): number[][] {
  const m = Array.from({ length: k }, () => new Array<number>(k).fill(0))
  for (let i = 0; i < truth.length; i++) m[truth[i]!]![pred[i]!]!++
  return m
}

export function perClassMetrics(confusion: number[][]): ClassMetrics[] {
  const k = confusion.length
  return confusion.map((row, c) => {
    const tp = row[c]!
    const support = row.reduce((a, b) => a + b, 0)
    let predicted = 0
    for (let r = 0; r < k; r++) predicted += confusion[r]![c]!
    const precision = predicted ? tp / predicted : 0
    const recall = support ? tp / support : 0
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0
    return { precision, recall, f1, support }
  })
}

function average(per: ClassMetrics[], weighted: boolean): Omit<ClassMetrics, 'support'> {
  const total = per.reduce((a, m) => a + m.support, 0)
  const w = (m: ClassMetrics) => (weighted ? (total ? m.support / total : 0) : 1 / per.length)
  const sum = (f: (m: ClassMetrics) => number) => per.reduce((a, m) => a + w(m) * f(m), 0)
  return { precision: sum((m) => m.precision), recall: sum((m) => m.recall), f1: sum((m) => m.f1) }
}

/** Expected calibration error with `nBins` equal-width confidence bins (as in Guo et al. 2017). */
export function calibration(
  confidence: ArrayLike<number>,
  correct: ArrayLike<boolean>,
  nBins = 10,
): { ece: number; bins: CalibrationBin[] } {
  const bins: CalibrationBin[] = Array.from({ length: nBins }, (_, b) => ({
    lower: b / nBins,
    upper: (b + 1) / nBins,
    count: 0,
    confidence: 0,
    accuracy: 0,
  }))
  for (let i = 0; i < confidence.length; i++) {
    const c = confidence[i]!
    const bin = bins[Math.min(nBins - 1, Math.max(0, Math.ceil(c * nBins) - 1))]!
    bin.count++
    bin.confidence += c
    bin.accuracy += correct[i] ? 1 : 0
  }
  let ece = 0
  for (const bin of bins) {
    if (!bin.count) continue
    bin.confidence /= bin.count
    bin.accuracy /= bin.count
    ece += (bin.count / confidence.length) * Math.abs(bin.accuracy - bin.confidence)
  }
  return { ece, bins }
}

export function topKAccuracy(probs: Float32Array[], truth: ArrayLike<number>, k: number): number {
  if (!probs.length) return 0
  let hits = 0
  probs.forEach((p, i) => {
    const t = truth[i]!
    let higher = 0
    for (let c = 0; c < p.length; c++) if (p[c]! > p[t]! || (p[c] === p[t] && c < t)) higher++
    if (higher < k) hits++
  })
  return hits / probs.length
}

/** Everything the evaluation view and model card show, from per-image class probabilities. */
export function evaluate(probs: Float32Array[], truth: ArrayLike<number>, k: number): EvaluationSummary {
  const pred = probs.map(argmax)
  const confusion = confusionMatrix(truth, pred, k)
  const perClass = perClassMetrics(confusion)
  const n = probs.length
  let correct = 0
  let loss = 0
  probs.forEach((p, i) => {
    if (pred[i] === truth[i]) correct++
    loss -= Math.log(Math.max(p[truth[i]!]!, 1e-7))
  })
  const conf = probs.map((p, i) => p[pred[i]!]!)
  const { ece, bins } = calibration(
    conf,
    pred.map((p, i) => p === truth[i]),
  )
  return {
    count: n,
    accuracy: n ? correct / n : 0,
    loss: n ? loss / n : 0,
    perClass,
    macro: average(perClass, false),
    weighted: average(perClass, true),
    confusion,
    topK: [1, 2, 3, 5].filter((kk) => kk <= k).map((kk) => ({ k: kk, accuracy: topKAccuracy(probs, truth, kk) })),
    ece,
    bins,
  }
}

export function argmax(p: ArrayLike<number>): number {
  let best = 0
  for (let i = 1; i < p.length; i++) if (p[i]! > p[best]!) best = i
  return best
}
