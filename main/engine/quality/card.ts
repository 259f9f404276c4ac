import type { DataChecks } from '../export/model-card'
import type { Studio } from '../studio'
import { isFresh } from './suspects'

/**
 * What the model card's "Data checks" section says: the last health report's findings (as stored
 * for Browse; the export is synchronous, so it reads the last report instead of computing one),
 * the latest label check, and the decisions on its suspects — those made before `frozenAt` (when
 * the run's dataset version was taken) reached the model.
 */
export function dataChecksOf(studio: Studio, frozenAt: string): DataChecks {
  const q = studio.store.quality
  const check = q.latestCheck()
  const health = q.healthCounts()
  if (!check) return { health, labelCheck: null }
  const fresh = isFresh(studio, check)
  const decisions = q.decisionsSince(check.createdAt).filter((d) => d.backbone === check.backbone)
  const count = (kind: string, before?: boolean) =>
    decisions.filter((d) => d.decision === kind && (before === undefined || d.decidedAt < frozenAt === before)).length
  return {
    health,
    labelCheck: {
      createdAt: check.createdAt,
      backbone: check.backbone,
      source: check.source,
      checked: check.checked,
      flagged: q.flaggedCount(check.id),
      undecided: fresh ? q.suspectCount(check.id) : null,
      accepted: count('accepted'),
      relabeled: count('relabeled'),
      kept: count('kept'),
      fixedBeforeTraining: count('accepted', true) + count('relabeled', true),
    },
  }
}
