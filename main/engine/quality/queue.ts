import type { LabelQueueDto } from '../../../preload/contract'
import type { QueueRow } from '../store'
import type { Studio } from '../studio'
import { plural } from '../plural'
import { balancedOrder, type Uncertainty } from './uncertainty'

/**
 * "Label next": unlabeled images from the scores of the newest scored run (scoring a newer run
 * refreshes the order), each with the run's prediction as the suggested label: the most uncertain
 * image of each predicted class in turn, so only the first is the most uncertain overall
 * (uncertainty.ts `balancedOrder`). The ranking is
 * one SQL sort over the stored margin / entropy / confidence, so it does not read probabilities;
 * the balancing reorders its top `limit` × classes. Images imported after the scoring are not in
 * the queue until the run scores them (scoring again only scores the new images).
 */
export function labelQueue(studio: Studio, by: Uncertainty, limit: number): LabelQueueDto {
  const q = studio.store.quality
  const runId = q.latestScoredRun()
  const run = runId === null ? undefined : studio.store.runs.get(runId)
  if (runId === null || !run) return { source: null, runId: null, by, items: [], remaining: 0 }
  const classes = studio.store.datasets.version(run.datasetVersion)!.classes
  const live = new Map(studio.labels.classes().map((c) => [c.id, c.name]))
  const k = classes.length
  // The top limit × k: room for `limit` items whatever the classes; a class whose most uncertain
  // images rank below that window waits until they rise into it.
  const window = q.queue(runId, by, limit * Math.max(1, k))
  const items = balancedOrder(window, (r) => r.predIndex)
    .slice(0, limit)
    .map((r) => {
      const cls = classes[r.predIndex]
      const name = cls ? live.get(cls.id) : undefined
      return {
        imageId: r.imageId,
        hash: r.hash,
        path: r.path,
        // A class deleted since the run is not suggested.
        suggestedClassId: name === undefined ? null : cls!.id,
        suggested: name ?? null,
        confidence: r.confidence,
        uncertainty: uncertaintyOf(r, by, k),
      }
    })
  const source = `run ${runId} (${run.preset}, ${plural(q.scoredCount(runId), 'image')} scored)`
  return { source, runId, by, items, remaining: q.queueCount(runId) }
}

/** uncertainty.ts's measures from the stored score (the same numbers, without the probabilities). */
export function uncertaintyOf(
  r: Pick<QueueRow, 'confidence' | 'margin' | 'entropy'>,
  by: Uncertainty,
  k: number,
): number {
  if (by === 'entropy') return r.entropy
  if (by === 'least-confidence') return k < 2 ? 0 : ((1 - r.confidence) * k) / (k - 1)
  return 1 - r.margin
}
