/**
 * Confident learning (Northcutt, Jiang & Chuang 2021; the method of cleanlab's find_label_issues):
 * from out-of-sample predicted probabilities and the given labels, estimate which labels are wrong.
 *
 * 1. Per-class thresholds: t_j = mean predicted probability of class j over images labeled j.
 * 2. Confident joint C[i][j]: images labeled i whose probability for j reaches t_j (the largest such
 *    j when several do) — "labeled i, confidently j".
 * 3. Calibrated to the label counts and normalised: the estimated joint Q of (given, true) labels.
 * 4. Prune by noise rate: for every i ≠ j, the round(Q[i][j]·n) images labeled i with the largest
 *    margin p_j − p_i are issues; an image whose prediction equals its label is never one.
 * Issues are ranked by self-confidence (p of the given label) or normalized margin.
 */

export type RankBy = 'self-confidence' | 'normalized-margin'

export interface LabelIssue {
  /** Index into the inputs. */
  index: number
  /** The class confident learning believes is right. */
  suggested: number
  /** 0–1, higher = more likely the given label is wrong (1 − label quality). */
  score: number
}

export interface ConfidentJoint {
  thresholds: Float64Array
  /** K×K counts, row = given label, column = confident class. */
  counts: number[][]
  /** K×K estimated joint distribution of (given, true) labels; sums to 1. */
  joint: number[][]
}

export function confidentJoint(
  probs: readonly ArrayLike<number>[],
  labels: ArrayLike<number>,
  k: number,
): ConfidentJoint {
  const n = labels.length
  const sum = new Float64Array(k)
  const count = new Float64Array(k)
  for (let x = 0; x < n; x++) {
    sum[labels[x]!]! += probs[x]![labels[x]!]!
    count[labels[x]!]!++
  }
  // A class nobody carries gets threshold 1: it can only be confident at certainty.
  const thresholds = sum.map((s, j) => (count[j] ? s / count[j]! : 1))
  const counts = Array.from({ length: k }, () => new Array<number>(k).fill(0))
  for (let x = 0; x < n; x++) {
    const j = confidentClass(probs[x]!, thresholds)
    if (j >= 0) counts[labels[x]!]![j]!++
  }
  // Calibrate rows to the number of images carrying each label, then normalise.
  const joint = counts.map((row, i) => {
    const rowSum = row.reduce((a, b) => a + b, 0)
    return row.map((c) => (rowSum ? (c / rowSum) * count[i]! : 0))
  })
  const total = joint.flat().reduce((a, b) => a + b, 0)
  return { thresholds, counts, joint: joint.map((row) => row.map((v) => (total ? v / total : 0))) }
}

/** The class whose threshold p reaches (the most probable such class), or −1. */
function confidentClass(p: ArrayLike<number>, thresholds: Float64Array): number {
  let best = -1
  for (let j = 0; j < thresholds.length; j++) {
    if (p[j]! >= thresholds[j]! - 1e-6 && (best < 0 || p[j]! > p[best]!)) best = j
  }
  return best
}

export function findLabelIssues(
  probs: readonly ArrayLike<number>[],
  labels: ArrayLike<number>,
  k: number,
  rankBy: RankBy = 'self-confidence',
): LabelIssue[] {
  const n = labels.length
  if (n === 0) return []
  const { joint } = confidentJoint(probs, labels, k)
  const flagged = new Uint8Array(n)
  const byLabel: number[][] = Array.from({ length: k }, () => [])
  for (let x = 0; x < n; x++) byLabel[labels[x]!]!.push(x)
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      if (i === j) continue
      const prune = Math.round(joint[i]![j]! * n)
      if (!prune) continue
      const margin = (x: number) => probs[x]![j]! - probs[x]![i]!
      const ranked = [...byLabel[i]!].sort((a, b) => margin(b) - margin(a))
      for (const x of ranked.slice(0, prune)) flagged[x] = 1
    }
  }
  const issues: LabelIssue[] = []
  for (let x = 0; x < n; x++) {
    const p = probs[x]!
    const pred = argmax(p)
    if (!flagged[x] || pred === labels[x]) continue
    issues.push({ index: x, suggested: pred, score: issueScore(p, labels[x]!, rankBy) })
  }
  return issues.sort((a, b) => b.score - a.score || a.index - b.index)
}

/** 1 − label quality: self-confidence 1 − p[label]; normalized margin (1 − (p[label] − max other)) / 2. */
export function issueScore(p: ArrayLike<number>, label: number, rankBy: RankBy): number {
  if (rankBy === 'self-confidence') return 1 - p[label]!
  let other = 0
  for (let j = 0; j < p.length; j++) if (j !== label && p[j]! > other) other = p[j]!
  return (1 - (p[label]! - other)) / 2
}

/** "The model disagrees with the label": the baseline that confident learning is measured against. */
export function disagreements(probs: readonly ArrayLike<number>[], labels: ArrayLike<number>): LabelIssue[] {
  const out: LabelIssue[] = []
  for (let x = 0; x < labels.length; x++) {
    const pred = argmax(probs[x]!)
    if (pred !== labels[x]) out.push({ index: x, suggested: pred, score: 1 - probs[x]![labels[x]!]! })
  }
  return out.sort((a, b) => b.score - a.score || a.index - b.index)
}

export function argmax(p: ArrayLike<number>): number {
  let best = 0
  for (let j = 1; j < p.length; j++) if (p[j]! > p[best]!) best = j
  return best
}
