import { argmax, calibration } from './metrics'

/**
 * What a finished run may do to its predictions after training, decided on the val split and
 * measured on the evaluation split: test-time augmentation (average the probabilities of an image
 * and its mirror image) and temperature scaling (one T for every logit: softmax(z / T), Guo et al.
 * 2017). Pure functions over stored probabilities; the trainer (training/finalize.ts) supplies them.
 */

/** The three numbers a choice is judged by. */
export interface Figures {
  accuracy: number
  /** Mean cross-entropy (NLL). */
  loss: number
  /** Expected calibration error, 10 bins. */
  ece: number
}

/** A run's test-time augmentation: asked for, used, why, and the figures it was judged by. */
export interface TtaRecord {
  /** auto: on when it helps on val; on / off: as asked. */
  mode: TtaMode
  used: boolean
  reason: string
  /** Val split without and with the mirror (null when the run has no val images). */
  val: { plain: Figures; tta: Figures } | null
  /** The evaluation split without and with the mirror (before any temperature). */
  eval: { plain: Figures; tta: Figures } | null
}

/** A run's temperature scaling: the fitted T, whether it is applied, why, and before/after figures. */
export interface TemperatureRecord {
  mode: CalibrationMode
  /** The temperature the model's final layer was divided by (1 when not applied). */
  value: number
  /** The temperature that minimised val NLL (null: not fitted). */
  fitted: number | null
  applied: boolean
  reason: string
  val: { before: Figures; after: Figures } | null
  eval: { before: Figures; after: Figures } | null
}

export const TTA_MODES = ['auto', 'on', 'off'] as const
export type TtaMode = (typeof TTA_MODES)[number]
export const CALIBRATION_MODES = ['auto', 'on', 'off'] as const
export type CalibrationMode = (typeof CALIBRATION_MODES)[number]

/**
 * One image's predictions: the plain probabilities and, with test-time augmentation, those of its
 * mirror image. The final prediction is the mean of the views after the temperature.
 */
export type Views = Float32Array[]

/** Probabilities p at temperature T: softmax(log p / T), which is softmax(z / T) of the logits z. */
export function withTemperature(p: ArrayLike<number>, t: number): Float32Array {
  const out = new Float32Array(p.length)
  if (t === 1) {
    out.set(p)
    return out
  }
  let max = -Infinity
  for (let i = 0; i < p.length; i++) {
    // 1e-38: the smallest normal float32; a probability that underflowed to 0 stays negligible.
    const v = Math.log(Math.max(p[i]!, 1e-38)) / t
    out[i] = v
    if (v > max) max = v
  }
  let sum = 0
  for (let i = 0; i < out.length; i++) {
    out[i] = Math.exp(out[i]! - max)
    sum += out[i]!
  }
  for (let i = 0; i < out.length; i++) out[i] = out[i]! / sum
  return out
}

/** Each image's final probabilities: the mean of its views, each at temperature T. */
export function combine(views: Views[], t = 1): Float32Array[] {
  return views.map((v) => {
    const first = withTemperature(v[0]!, t)
    if (v.length === 1) return first
    for (const other of v.slice(1)) {
      const q = withTemperature(other, t)
      for (let c = 0; c < first.length; c++) first[c] = first[c]! + q[c]!
    }
    for (let c = 0; c < first.length; c++) first[c] = first[c]! / v.length
    return first
  })
}

/** Accuracy, NLL and ECE of probabilities against the true classes. */
export function figures(probs: Float32Array[], truth: ArrayLike<number>): Figures {
  const n = probs.length
  if (!n) return { accuracy: 0, loss: 0, ece: 0 }
  let correct = 0
  let loss = 0
  const conf: number[] = []
  const right: boolean[] = []
  probs.forEach((p, i) => {
    const pred = argmax(p)
    right.push(pred === truth[i])
    if (pred === truth[i]) correct++
    conf.push(p[pred]!)
    loss -= Math.log(Math.max(p[truth[i]!]!, 1e-7))
  })
  return { accuracy: correct / n, loss: loss / n, ece: calibration(conf, right).ece }
}

/** Mean NLL at temperature t (the loss temperature scaling minimises). */
function nllAt(views: Views[], truth: ArrayLike<number>, t: number): number {
  let loss = 0
  combine(views, t).forEach((p, i) => (loss -= Math.log(Math.max(p[truth[i]!]!, 1e-12))))
  return loss / views.length
}

/**
 * The temperature minimising val NLL: golden-section search over log T in [1/20, 20] (NLL is
 * unimodal in T for a single view; with two views the search still lands on a minimum of the
 * bracket, which is all the decision below needs).
 */
export function fitTemperature(views: Views[], truth: ArrayLike<number>): number {
  if (!views.length) return 1
  let lo = Math.log(0.05)
  let hi = Math.log(20)
  const g = (Math.sqrt(5) - 1) / 2
  let a = hi - g * (hi - lo)
  let b = lo + g * (hi - lo)
  let fa = nllAt(views, truth, Math.exp(a))
  let fb = nllAt(views, truth, Math.exp(b))
  for (let i = 0; i < 40 && hi - lo > 1e-4; i++) {
    if (fa <= fb) {
      hi = b
      b = a
      fb = fa
      a = hi - g * (hi - lo)
      fa = nllAt(views, truth, Math.exp(a))
    } else {
      lo = a
      a = b
      fa = fb
      b = lo + g * (hi - lo)
      fb = nllAt(views, truth, Math.exp(b))
    }
  }
  return Math.exp((lo + hi) / 2)
}

/**
 * Whether to average each image with its mirror: as asked (on / off), or under auto when it helps on
 * val — accuracy no lower and log loss lower by at least 0.5 %. Log loss counts every image's
 * probability, while accuracy moves by whole images, so on a small val split a one-image gain alone
 * is noise; a mirror that raises accuracy but worsens log loss stays off.
 */
export function decideTta(
  mode: TtaMode,
  val: { plain: Figures; tta: Figures } | null,
): { used: boolean; reason: string } {
  if (mode === 'on') return { used: true, reason: 'asked for (tta on)' }
  if (mode === 'off') return { used: false, reason: 'turned off (tta off)' }
  if (!val) return { used: false, reason: 'no val images to judge it by' }
  const { plain, tta } = val
  const acc = (f: Figures) => `${(f.accuracy * 100).toFixed(1)} %`
  const words = `val accuracy ${acc(plain)} → ${acc(tta)}, log loss ${plain.loss.toFixed(3)} → ${tta.loss.toFixed(3)}`
  if (tta.accuracy >= plain.accuracy && tta.loss < plain.loss * 0.995) return { used: true, reason: `helps: ${words}` }
  return { used: false, reason: `does not help: ${words}` }
}

/**
 * Whether to apply the fitted temperature: always under on; under auto when it lowers val NLL (by
 * more than 0.1 %) without raising val ECE — a temperature within 1 % of 1 is not worth changing
 * the model for.
 */
export function decideTemperature(
  mode: CalibrationMode,
  fitted: number | null,
  val: { before: Figures; after: Figures } | null,
): { applied: boolean; reason: string } {
  if (mode === 'off') return { applied: false, reason: 'turned off (calibration off)' }
  if (fitted === null || !val) return { applied: false, reason: 'no val images to fit it on' }
  const { before, after } = val
  const words =
    `T = ${fitted.toFixed(3)}: val log loss ${before.loss.toFixed(3)} → ${after.loss.toFixed(3)}, ` +
    `ECE ${before.ece.toFixed(3)} → ${after.ece.toFixed(3)}`
  if (mode === 'on') return { applied: true, reason: `asked for (calibration on): ${words}` }
  if (Math.abs(fitted - 1) < 0.01) return { applied: false, reason: `already calibrated: ${words}` }
  if (!(after.loss < before.loss * 0.999)) return { applied: false, reason: `does not lower val log loss: ${words}` }
  if (after.ece > before.ece) return { applied: false, reason: `raises val ECE: ${words}` }
  return { applied: true, reason: `lowers val log loss: ${words}` }
}

/** The probabilities of every image of a split, plain and (when computed) of its mirror image. */
export interface SplitViews {
  plain: Float32Array[]
  mirrored: Float32Array[] | null
  truth: ArrayLike<number>
}

export interface Refinement {
  tta: TtaRecord
  temperature: TemperatureRecord
  /** The evaluation split's final probabilities (TTA and temperature as decided). */
  evalProbs: Float32Array[]
}

/**
 * Decides test-time augmentation, then the temperature (fitted on val with TTA as decided), and
 * returns both records with the evaluation split's final probabilities.
 */
export function refine(
  opts: { tta: TtaMode; calibration: CalibrationMode; cannotApply?: string | null },
  val: SplitViews,
  evalSplit: SplitViews,
): Refinement {
  const viewsOf = (s: SplitViews, mirror: boolean): Views[] =>
    s.plain.map((p, i) => (mirror && s.mirrored ? [p, s.mirrored[i]!] : [p]))
  const hasVal = val.plain.length > 0
  const pair = (s: SplitViews) =>
    s.mirrored && s.plain.length
      ? { plain: figures(s.plain, s.truth), tta: figures(combine(viewsOf(s, true)), s.truth) }
      : null
  const valPair = hasVal ? pair(val) : null
  const evalPair = pair(evalSplit)
  const ttaDecision =
    opts.tta === 'auto' && hasVal && !val.mirrored
      ? { used: false, reason: 'mirror predictions were not computed' }
      : decideTta(opts.tta, valPair)
  const used = ttaDecision.used && evalSplit.mirrored !== null
  const tta: TtaRecord = { mode: opts.tta, used, reason: ttaDecision.reason, val: valPair, eval: evalPair }

  const valViews = viewsOf(val, used)
  const evalViews = viewsOf(evalSplit, used)
  const fitted = opts.calibration === 'off' || !hasVal ? null : fitTemperature(valViews, val.truth)
  const before = (s: SplitViews, v: Views[]) => figures(combine(v), s.truth)
  const valFig =
    fitted === null ? null : { before: before(val, valViews), after: figures(combine(valViews, fitted), val.truth) }
  const decided = decideTemperature(opts.calibration, fitted, valFig)
  const t =
    decided.applied && opts.cannotApply ? { applied: false, reason: `not applied (${opts.cannotApply})` } : decided
  const value = t.applied ? fitted! : 1
  const evalFig =
    fitted === null || !evalSplit.plain.length
      ? null
      : { before: before(evalSplit, evalViews), after: figures(combine(evalViews, fitted), evalSplit.truth) }
  return {
    tta,
    temperature: {
      mode: opts.calibration,
      value,
      fitted,
      applied: t.applied,
      reason: t.reason,
      val: valFig,
      eval: evalFig,
    },
    evalProbs: combine(evalViews, value),
  }
}
