import type { SelfTestDto } from '../../../preload/contract'
import type { EvaluationSummary } from '../evaluation/metrics'
import { argmax } from '../evaluation/metrics'
import type { Studio } from '../studio'
import type { ExportedFormat } from './bundle'
import type { FormatOutput } from './self-test-protocol'

/**
 * The export's self-test (issue 14 §2): a fresh process loads each exported format with its own
 * runtime and classifies the evaluation split from the original files; this side compares what it
 * answers with the probabilities Studio stored when the run finished.
 */

export type FormatName = ExportedFormat['format']

/** What a format must reach to pass. Float formats must reproduce Studio; the others get a stated margin. */
export interface Threshold {
  /** Lowest share of images whose top-1 class equals Studio's. */
  agreement: number
  /** Largest allowed |p − Studio's p| over every image and class; null: reported, not judged. */
  maxDiff: number | null
  /** Why this threshold, for the model card. */
  why: string
}

export const THRESHOLDS: Record<FormatName, Threshold> = {
  tfjs: { agreement: 1, maxDiff: 1e-4, why: 'the same float32 weights as Studio' },
  onnx: { agreement: 1, maxDiff: 1e-4, why: 'the same float32 weights as Studio' },
  'tfjs-float16': { agreement: 0.98, maxDiff: null, why: 'weights rounded to float16' },
  'tfjs-uint8': { agreement: 0.98, maxDiff: null, why: 'weights quantized to 8 bits' },
  tm: {
    agreement: 0.98,
    maxDiff: null,
    why: "Teachable Machine's own preprocessing (centre crop, x / 127 − 1) is not exactly Studio's",
  },
}

/** One format's self-test, as export.json, the model card and the page show it (fields: the contract's SelfTestDto). */
export type SelfTestResult = SelfTestDto

/** The evaluation split's images as Studio predicted them: original file, label index, stored probabilities. */
export interface SelfTestCases {
  split: string
  files: string[]
  truth: number[]
  expected: Float32Array[]
}

/** The run's stored evaluation predictions (test split, or val without one), with each image's original file. */
export function selfTestCases(studio: Studio, runId: number): SelfTestCases {
  const run = studio.store.runs.get(runId)
  const summary = run?.summary ? (JSON.parse(run.summary) as EvaluationSummary & { split: string }) : null
  const preds = studio.store.runs.predictions(runId)
  const rows = preds.flatMap((p) => {
    const img = studio.store.images.get(p.imageId)
    return img ? [{ file: studio.originalPath(img), truth: p.trueIndex, probs: p.probs }] : []
  })
  return {
    split: summary?.split ?? 'test',
    files: rows.map((r) => r.file),
    truth: rows.map((r) => r.truth),
    expected: rows.map((r) => r.probs),
  }
}

/** Compares a format's answers with Studio's and judges them against the format's threshold. */
export function judge(format: FormatName, cases: SelfTestCases, out: FormatOutput): SelfTestResult {
  const t = THRESHOLDS[format]
  const base = {
    runtime: out.runtime,
    preprocessing: out.preprocessing,
    split: cases.split,
    seconds: round(out.seconds, 2),
    threshold: { agreement: t.agreement, maxDiff: t.maxDiff },
  }
  const none = { images: 0, unreadable: 0, agreement: null, accuracy: null, studioAccuracy: null, maxDiff: null }
  if (out.skipped) return { ...base, ...none, status: 'skipped', reason: out.skipped }
  if (out.error) return { ...base, ...none, status: 'failed', reason: out.error }
  let images = 0
  let agree = 0
  let correct = 0
  let studioCorrect = 0
  let maxDiff = 0
  let widthMismatch = false
  cases.expected.forEach((want, i) => {
    const got = out.probs[i]
    if (!got) return
    images++
    const studioTop = argmax(want)
    if (got.length !== want.length) widthMismatch = true
    const top = argmax(got)
    if (top === studioTop) agree++
    if (top === cases.truth[i]) correct++
    if (studioTop === cases.truth[i]) studioCorrect++
    for (let k = 0; k < Math.max(want.length, got.length); k++)
      maxDiff = Math.max(maxDiff, Math.abs((got[k] ?? 0) - (want[k] ?? 0)))
  })
  const measured = {
    images,
    unreadable: cases.files.length - images,
    agreement: images ? agree / images : null,
    accuracy: images ? correct / images : null,
    studioAccuracy: images ? studioCorrect / images : null,
    maxDiff: images ? maxDiff : null,
  }
  const reason = widthMismatch
    ? `the model answers with a different number of classes than Studio's (${cases.expected[0]?.length ?? 0})`
    : !images
      ? cases.files.length
        ? `none of the ${cases.files.length} images of the ${cases.split} split could be read`
        : `the run stored no predictions for its ${cases.split} split`
      : shortfall(measured.agreement!, maxDiff, t)
  if (reason && !images && !widthMismatch) return { ...base, ...measured, status: 'skipped', reason }
  return { ...base, ...measured, status: reason ? 'failed' : 'passed', reason }
}

/** Why the measured figures miss the threshold, or null when they meet it. */
function shortfall(agreement: number, maxDiff: number, t: Threshold): string | null {
  const misses: string[] = []
  if (agreement < t.agreement)
    misses.push(`agreement ${(agreement * 100).toFixed(1)} % is below ${(t.agreement * 100).toFixed(0)} %`)
  if (t.maxDiff !== null && !(maxDiff <= t.maxDiff))
    misses.push(`max probability difference ${maxDiff.toExponential(1)} is above ${t.maxDiff.toExponential(0)}`)
  return misses.length ? misses.join('; ') : null
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits

/** A result for a format the self-test could not reach (the process died or was not started). */
export function notChecked(format: FormatName, split: string, reason: string): SelfTestResult {
  const t = THRESHOLDS[format]
  return {
    status: 'failed',
    reason,
    runtime: null,
    preprocessing: null,
    split,
    images: 0,
    unreadable: 0,
    agreement: null,
    accuracy: null,
    studioAccuracy: null,
    maxDiff: null,
    seconds: 0,
    threshold: { agreement: t.agreement, maxDiff: t.maxDiff },
  }
}
