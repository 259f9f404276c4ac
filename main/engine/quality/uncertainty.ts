import { argmax } from './confident-learning'

/** How an unlabeled image's uncertainty is measured for the "label next" queue. */
export type Uncertainty = 'margin' | 'entropy' | 'least-confidence'
export const UNCERTAINTIES: readonly Uncertainty[] = ['margin', 'entropy', 'least-confidence']

/**
 * 0–1, higher = the model is less sure (label this first). margin: 1 − (p₁ − p₂) of the two most
 * probable classes; entropy: −Σ p log p over log K; least confidence: (1 − p₁)·K/(K − 1).
 */
export function uncertainty(p: ArrayLike<number>, by: Uncertainty): number {
  const k = p.length
  if (k < 2) return 0
  if (by === 'entropy') {
    let h = 0
    for (let j = 0; j < k; j++) if (p[j]! > 0) h -= p[j]! * Math.log(p[j]!)
    return h / Math.log(k)
  }
  const top = argmax(p)
  if (by === 'least-confidence') return ((1 - p[top]!) * k) / (k - 1)
  let second = 0
  for (let j = 0; j < k; j++) if (j !== top && p[j]! > second) second = p[j]!
  return 1 - (p[top]! - second)
}

/** Indices ordered most uncertain first (ties by index, so the order is stable). */
export function rankByUncertainty(probs: readonly ArrayLike<number>[], by: Uncertainty): number[] {
  const u = probs.map((p) => uncertainty(p, by))
  return u.map((_, i) => i).sort((a, b) => u[b]! - u[a]! || a - b)
}

/**
 * The label-next order: round-robin over the predicted classes of uncertainty-ranked items — the
 * most uncertain item of each class in turn (classes in the order of their most uncertain item),
 * then the second of each, and so on. Labeling from the top then covers every class the model is
 * unsure about instead of piling up on one confusion: on Fashion-MNIST (bench:active-learning, 5
 * seeds) the mean accuracy curve is at or above plain margin order at every count from 200 labels
 * (by up to 1.8 points), and a seed where plain margin fell behind random no longer does.
 */
export function balancedOrder<T>(ranked: readonly T[], classOf: (item: T) => number): T[] {
  const byClass = new Map<number, T[]>()
  for (const item of ranked) {
    const c = classOf(item)
    const list = byClass.get(c)
    if (list) list.push(item)
    else byClass.set(c, [item])
  }
  const lists = [...byClass.values()]
  const out: T[] = []
  for (let k = 0; out.length < ranked.length; k++) for (const l of lists) if (k < l.length) out.push(l[k]!)
  return out
}
