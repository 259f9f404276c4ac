import { NotFoundError } from '../errors'
import { sliceMetrics, type GroupMetrics, type SliceMetrics } from '../evaluation/slices'
import type { Store } from '../store'
import { attributeValues } from './attributes'

export interface AttributeEvaluation {
  run: number
  attribute: string
  /** The split the run's stored predictions cover (test, or val without a test split). */
  split: string | null
  classes: string[]
  overall: GroupMetrics
  /** Worst accuracy first. */
  slices: SliceMetrics[]
  /** With a chosen class: its recall per slice (worst first) and the largest gap. */
  equalOpportunity?: {
    class: string
    overallRecall: number | null
    slices: { value: string; support: number; recall: number | null; recallCi: [number, number] | null }[]
    gap: number
  }
}

/** A run's evaluation predictions split by one attribute (built-in or stored), optionally with one class's recall. */
export function evaluateByAttribute(
  store: Store,
  runId: number,
  attribute: string,
  className?: string,
): AttributeEvaluation {
  const run = store.runs.get(runId)
  if (!run) throw new NotFoundError(`run ${runId} does not exist`)
  const classes = store.datasets.version(run.datasetVersion)?.classes.map((c) => c.name) ?? []
  const preds = store.runs.predictions(runId, {}, 'image_id', 1e9)
  if (!preds.length) throw new NotFoundError(`run ${runId} has no stored predictions (status ${run.status})`)
  const classIndex = className === undefined ? undefined : indexOf(classes, className, runId)
  const values = attributeValues(
    store,
    attribute,
    preds.map((p) => p.imageId),
  )
  const rows = preds.map((p) => ({ value: values.get(p.imageId) ?? '(none)', truth: p.trueIndex, probs: p.probs }))
  const report = sliceMetrics(rows, classes.length, { classIndex })
  const split = run.summary ? ((JSON.parse(run.summary) as { split?: string }).split ?? null) : null
  const out: AttributeEvaluation = {
    run: runId,
    attribute: attribute.trim().toLowerCase(),
    split,
    classes,
    overall: report.overall,
    slices: report.slices,
  }
  const eo = report.equalOpportunity
  if (eo) {
    out.equalOpportunity = {
      class: classes[eo.classIndex]!,
      overallRecall: eo.overallRecall,
      slices: eo.slices,
      gap: eo.gap,
    }
  }
  return out
}

function indexOf(classes: string[], name: string, runId: number): number {
  const i = classes.findIndex((c) => c.toLowerCase() === name.trim().toLowerCase())
  if (i < 0) {
    throw new NotFoundError(`run ${runId} has no class ${JSON.stringify(name)} (classes: ${classes.join(', ')})`)
  }
  return i
}
