import type { LabelQueueDto, QueueItemDto, RunDto } from '../../../preload/contract'
import { plural } from './messages'

export type UncertaintyBy = LabelQueueDto['by']

export const ORDERS: { value: UncertaintyBy; label: string; help: string }[] = [
  { value: 'margin', label: 'Smallest margin', help: 'the two most likely classes are closest' },
  { value: 'entropy', label: 'Highest entropy', help: 'the probability is spread over most classes' },
  { value: 'least-confidence', label: 'Least confidence', help: 'the most likely class is least likely' },
]

/** "3 labeled, 2 accepted as suggested". */
export function sessionText(labeled: number, accepted: number): string {
  return `${labeled} labeled, ${accepted} accepted as suggested`
}

/** The queue's items after one was labeled here, and where the view goes next (the same place). */
export function afterLabel(items: QueueItemDto[], index: number, imageId: number) {
  const rest = items.filter((i) => i.imageId !== imageId)
  return { items: rest, index: Math.min(index, Math.max(0, rest.length - 1)) }
}

/** The queue after an undo put `item` back where it was. */
export function putBack(items: QueueItemDto[], at: number, item: QueueItemDto): QueueItemDto[] {
  const rest = items.filter((i) => i.imageId !== item.imageId)
  return [...rest.slice(0, at), item, ...rest.slice(at)]
}

/**
 * The run "Score all images" would use: the latest finished one. Null when there is none (the view
 * then says to train first).
 */
export function scoringRun(runs: readonly RunDto[]): RunDto | null {
  return runs.filter((r) => r.status === 'done').reduce<RunDto | null>((a, r) => (a && a.run > r.run ? a : r), null)
}

/** The queue's state in one line. Without a scored run the engine has no queue (and no count). */
export function queueSummary(q: LabelQueueDto | null): string {
  if (!q) return ''
  if (q.source === null) return 'No model has scored the images yet.'
  if (q.remaining === 0) return 'No unlabeled images left.'
  return `${plural(q.remaining, 'unlabeled image')}, the most uncertain of each predicted class in turn, by ${q.source}.`
}

/**
 * Whether "Score all images" is offered, and with which run: when nothing has scored the images,
 * or when a newer run finished than the one ordering the queue (retrained: its order is fresher).
 */
export function scoringOffer(q: LabelQueueDto | null, latest: RunDto | null): 'first' | 'newer' | null {
  if (!q || !latest) return null
  if (q.runId === null) return 'first'
  return latest.run > q.runId ? 'newer' : null
}
