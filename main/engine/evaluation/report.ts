import type { Studio } from '../studio'
import { NotFoundError } from '../errors'
import type { PredictionRecord, RunRecord } from '../store'
import type { TemperatureRecord, TtaRecord } from './calibration'
import type { EvaluationSummary } from './metrics'

/** Summary plus the most confident mistakes, with class names and image paths. */
export function evaluation(s: Studio, runId: number, mistakes = 10) {
  const run = s.store.runs.get(runId)
  if (!run) throw new NotFoundError(`run ${runId} does not exist`)
  if (!run.summary) throw new NotFoundError(`run ${runId} has no evaluation (status ${run.status})`)
  // Runs from before test-time augmentation and temperature scaling have neither record.
  const summary = JSON.parse(run.summary) as EvaluationSummary & {
    split: string
    tta?: TtaRecord
    temperature?: TemperatureRecord
  }
  const classes = s.store.datasets.version(run.datasetVersion)!.classes.map((c) => c.name)
  const rows = (preds: PredictionRecord[]) =>
    preds.map((p) => {
      const img = s.store.images.get(p.imageId)
      return {
        image: p.imageId,
        hash: img?.hash ?? '',
        path: img?.relPath ?? '?',
        true: classes[p.trueIndex]!,
        predicted: classes[p.predIndex]!,
        confidence: p.confidence,
      }
    })
  return {
    run: runId,
    classes,
    ...summary,
    mistakes: rows(s.store.runs.predictions(runId, { correct: false }, 'confidence desc', mistakes)),
    leastConfidentCorrect: rows(s.store.runs.predictions(runId, { correct: true }, 'confidence asc', mistakes)),
  }
}

/** The images of one confusion-matrix cell (true class → predicted class), most confident first. */
export function confusionCell(s: Studio, runId: number, trueClass: string | number, predicted: string | number) {
  const run = s.store.runs.get(runId)
  if (!run) throw new NotFoundError(`run ${runId} does not exist`)
  const classes = s.store.datasets.version(run.datasetVersion)!.classes.map((c) => c.name)
  const index = (name: string | number) => {
    const i =
      typeof name === 'number'
        ? name < classes.length
          ? name
          : -1
        : classes.findIndex((c) => c.toLowerCase() === name.trim().toLowerCase())
    if (i < 0)
      throw new NotFoundError(`run ${runId} has no class ${JSON.stringify(name)} (classes: ${classes.join(', ')})`)
    return i
  }
  return s.store.runs
    .predictions(runId, { trueIndex: index(trueClass), predIndex: index(predicted) }, 'confidence desc')
    .map((p) => {
      const img = s.store.images.get(p.imageId)
      return {
        image: p.imageId,
        hash: img?.hash ?? '',
        path: img?.relPath ?? '?',
        confidence: p.confidence,
        className: img?.className ?? null,
      }
    })
}

/** A run's headline numbers: val accuracy of the kept (best) epoch, test accuracy, macro F1. */
export function runScores(
  s: Studio,
  run: RunRecord,
): { valAccuracy: number | null; testAccuracy: number | null; macroF1: number | null } {
  const summary = run.summary ? (JSON.parse(run.summary) as EvaluationSummary & { split: string }) : null
  const epochs = s.store.runs.epochs(run.id)
  const best = epochs.find((e) => e.epoch === run.bestEpoch) ?? epochs.at(-1)
  return {
    valAccuracy: best?.valAccuracy ?? null,
    testAccuracy: summary?.split === 'test' ? summary.accuracy : null,
    macroF1: summary?.macro.f1 ?? null,
  }
}
