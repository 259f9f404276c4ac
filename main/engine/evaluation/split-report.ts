import { ConflictError, NotFoundError } from '../errors'
import { plural } from '../plural'
import type { Split } from '../store'
import type { Studio } from '../studio'
import { argmax, evaluate } from './metrics'

/**
 * A run evaluated on any split of its dataset version, from its scores of every image (scoring):
 * the run itself evaluated one split when it ended (its summary); these are the others, computed
 * on request with the same metrics. A split with unscored images is refused, naming the fix.
 */
function scoredSplit(s: Studio, runId: number, split: Split) {
  const run = s.store.runs.get(runId)
  if (!run) throw new NotFoundError(`run ${runId} does not exist`)
  const classes = s.store.datasets.version(run.datasetVersion)!.classes.map((c) => c.name)
  const items = s.store.datasets.items(run.datasetVersion, split)
  const scores = s.store.quality.scoreProbs(
    runId,
    items.map((i) => i.imageId),
  )
  const missing = items.length - items.filter((i) => scores.has(i.imageId)).length
  if (missing) {
    throw new ConflictError(
      `run ${runId} has not scored ${plural(missing, 'image')} of its ${split} split: score every image first`,
    )
  }
  const rows = items.map((i) => {
    const probs = scores.get(i.imageId)!
    const pred = argmax(probs)
    return { imageId: i.imageId, trueIndex: i.classIndex, predIndex: pred, confidence: probs[pred]!, probs }
  })
  return { classes, rows }
}

const image = (s: Studio, id: number) => s.store.images.get(id)

/** The evaluation of `split` (as `evaluation()` returns it for the run's own split). */
export function splitEvaluation(s: Studio, runId: number, split: Split, mistakes = 10) {
  const { classes, rows } = scoredSplit(s, runId, split)
  const summary = evaluate(
    rows.map((r) => r.probs),
    rows.map((r) => r.trueIndex),
    classes.length,
  )
  const wrong = rows
    .filter((r) => r.predIndex !== r.trueIndex)
    .sort((a, b) => b.confidence - a.confidence)
    .slice(0, mistakes)
  return {
    run: runId,
    classes,
    split,
    ...summary,
    mistakes: wrong.map((r) => ({
      image: r.imageId,
      hash: image(s, r.imageId)?.hash ?? '',
      path: image(s, r.imageId)?.relPath ?? '?',
      true: classes[r.trueIndex]!,
      predicted: classes[r.predIndex]!,
      confidence: r.confidence,
    })),
  }
}

/** The images of one confusion-matrix cell of `split`, most confident first. */
export function splitCell(s: Studio, runId: number, split: Split, trueIndex: number, predIndex: number) {
  return scoredSplit(s, runId, split)
    .rows.filter((r) => r.trueIndex === trueIndex && r.predIndex === predIndex)
    .sort((a, b) => b.confidence - a.confidence)
    .map((r) => {
      const img = image(s, r.imageId)
      return {
        image: r.imageId,
        hash: img?.hash ?? '',
        path: img?.relPath ?? '?',
        confidence: r.confidence,
        className: img?.className ?? null,
      }
    })
}

/**
 * The splits of a run's version with their image counts, and whether each can be evaluated: the run's
 * own split always; the others once the run has scores (a split it only partly scored is refused then).
 */
export function evaluableSplits(s: Studio, runId: number, own: string) {
  const run = s.store.runs.get(runId)
  if (!run) return []
  const scored = s.store.quality.scoredCount(runId) > 0
  const counts = s.store.datasets.versions().find((v) => v.id === run.datasetVersion)
  return (['train', 'val', 'test'] as const)
    .map((split) => ({ split, images: counts?.[split] ?? 0, available: split === own || scored }))
    .filter((x) => x.images > 0)
}
