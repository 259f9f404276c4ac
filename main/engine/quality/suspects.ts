import type { RequestOf, SuspectsDto } from '../../../preload/contract'
import { ConflictError, NotFoundError, ValidationError } from '../errors'
import type { LabelChange } from '../labels/service'
import type { CheckRecord, Store } from '../store'
import type { Studio } from '../studio'
import { nowIso } from '../util'
import { labelFingerprint } from './check'

/** Suspects listed when the request gives no limit (the Review view pages through fewer). */
export const DEFAULT_SUSPECT_LIMIT = 1000

const freshCache = new WeakMap<Store, { key: string; fresh: boolean }>()

/**
 * A check is fresh while the project's labels hash to its fingerprint, counting each image the
 * user decided on since the check (accepted or relabeled) with the label it was checked with:
 * working through the suspects keeps the check fresh, any other label change makes it stale.
 * Cached until a label or a decision is written.
 */
export function isFresh(studio: Studio, check: CheckRecord): boolean {
  const q = studio.store.quality
  const key = `${check.id}:${q.labelStamp()}`
  const hit = freshCache.get(studio.store)
  if (hit?.key === key) return hit.fresh
  const labels = new Map(studio.store.datasets.labeledImages().map((l) => [l.imageId, l.classId]))
  const decided = new Set<number>()
  for (const d of q.decisionsSince(check.createdAt)) {
    if (d.decision === 'kept' || d.backbone !== check.backbone || decided.has(d.imageId)) continue
    decided.add(d.imageId)
    labels.set(d.imageId, d.classId)
  }
  const fresh = labelFingerprint(labels) === check.fingerprint
  freshCache.set(studio.store, { key, fresh })
  return fresh
}

/** The latest finished check and whether it is fresh; null when no check finished yet. */
export function latestCheck(studio: Studio): { check: CheckRecord; fresh: boolean } | null {
  const check = studio.store.quality.latestCheck()
  return check ? { check, fresh: isFresh(studio, check) } : null
}

/** The latest check's undecided suspects, most likely wrong first; none when the labels changed since. */
export function listSuspects(studio: Studio, limit: number = DEFAULT_SUSPECT_LIMIT): SuspectsDto {
  const latest = latestCheck(studio)
  if (!latest) return { check: null, suspects: [], total: 0 }
  const { check, fresh } = latest
  const q = studio.store.quality
  const rows = fresh ? q.suspects(check.id, limit) : []
  return {
    check: {
      id: check.id,
      createdAt: check.createdAt,
      backbone: check.backbone,
      source: check.source,
      checked: check.checked,
      fresh,
    },
    suspects: rows,
    total: fresh ? q.suspectCount(check.id) : 0,
  }
}

/**
 * The user's decision on a suspect of the latest check. accept: the suggested label; relabel: the
 * class given; both through the label log (one undoable action). keep: recorded, so the check's
 * backbone does not suggest changing this label again. An undone accept brings the suspect back.
 */
export function decide(studio: Studio, req: RequestOf<'decideSuspect'>): LabelChange {
  const check = studio.store.quality.latestCheck()
  if (!check) throw new NotFoundError('there is no label check yet; run one first')
  const img = studio.image(req.imageId)
  const item = studio.store.quality.checkItem(check.id, img.id)
  if (!item || item.suggestedClassId === null || img.classId === null || item.classId !== img.classId) {
    throw new ConflictError(
      `image ${img.id} is not a suspect of the latest label check${item ? ' (or its label changed since)' : ''}`,
    )
  }
  const from = img.classId
  let target = from
  if (req.decision === 'accept') target = item.suggestedClassId
  else if (req.decision === 'relabel') {
    if (req.classId === undefined) throw new ValidationError('classId: relabel needs the class to give the image')
    target = studio.labels.findClass(req.classId).id
  } else if (req.classId !== undefined) {
    throw new ValidationError('classId: only relabel takes a class')
  }
  const decision = target === from ? 'kept' : req.decision === 'accept' ? 'accepted' : 'relabeled'
  return studio.store.tx(() => {
    const change = target === from ? { actionId: null, changed: 0 } : studio.labels.setLabels([img.id], target)
    studio.store.quality.recordDecision({
      imageId: img.id,
      classId: from,
      backbone: check.backbone,
      decision,
      at: nowIso(),
    })
    return change
  })
}
