import type { DataChecks } from '../export/model-card'
import { lastReport } from '../health/cache'
import type { FindingKind } from '../health/findings'
import type { Studio } from '../studio'
import { isFresh } from './suspects'

/** What each finding kind counts (FindingDto.count). */
const UNIT: Partial<Record<FindingKind, string>> = {
  'near-duplicate': 'group',
  'split-leakage': 'group',
  'class-imbalance': 'class',
  'small-class': 'class',
  'empty-class': 'class',
  unreadable: 'file',
  'skipped-not-image': 'file',
}

/**
 * The last health report's findings, each counted in its own unit; every kind it found, those
 * without images too (empty classes, skipped files). Without a cached report (its cache folder
 * removed), the findings Browse filters by, counted by image (kinds without images are not stored).
 */
function healthOf(studio: Studio): DataChecks['health'] {
  const report = lastReport(studio)
  if (!report) {
    return studio.store.quality
      .healthCounts()
      .map((h) => ({ kind: h.kind, count: h.count, unit: 'image', images: h.count }))
  }
  return report.findings.map((f) => ({
    kind: f.kind,
    count: f.count,
    unit: UNIT[f.kind] ?? 'image',
    images: f.images.length,
  }))
}

/**
 * What the model card's "Data checks" section says: the last health report's findings (the export
 * is synchronous, so it reads the last report instead of computing one),
 * the latest label check, and the decisions on its suspects — those made before `frozenAt` (when
 * the run's dataset version was taken) reached the model.
 */
export function dataChecksOf(studio: Studio, frozenAt: string): DataChecks {
  const q = studio.store.quality
  const check = q.latestCheck()
  const health = healthOf(studio)
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
