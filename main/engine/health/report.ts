import type { HealthDto, RequestOf } from '../../../preload/contract'
import { originSplit } from '../datasets/split'
import { NotFoundError } from '../errors'
import type { Jobs } from '../jobs'
import type { FindingRow, Store } from '../store'
import type { Studio } from '../studio'
import { nowIso } from '../util'
import { backfillFailures, pendingSignals, startBackfill } from './backfill'
import {
  cachedReport,
  forgetWrittenFindings,
  imageLevel,
  storeReport,
  type FeatureDups,
  type ImageLevel,
} from './cache'
import { featureDupsForReport, featureDupsNow, type FeatureDupsResult, type FeatureGroupsState } from './feature-job'
import { balanceFindings, FINDING_KINDS, type Finding } from './findings'
import { mergeGroups } from './near-dups'
import {
  conflictFinding,
  leakageFinding,
  nearDuplicateFinding,
  skippedFinding,
  unreadableFinding,
  type SplitSource,
} from './sections'

/** The health report request without its "no payload" forms. */
export type HealthRequest = Exclude<RequestOf<'health'>, void | null | undefined>

/**
 * The data health report of the open project (issue 12, section 1): conflicting duplicates,
 * near-duplicate groups, leakage across the splits of a dataset version (default the latest) or
 * of the import's train/val/test folders, class balance, outliers, unreadable and skipped files.
 *
 * The findings are written to health_findings (Browse filters by them). The report is cached by a
 * signature of everything it reads, so asking again without a change costs one small query; the
 * near-duplicate grouping and the outliers, the expensive part, are cached by the images alone and
 * survive label changes. With `jobs`, images imported before signals existed get them by the
 * backfill job (`pending` counts them until then), and near-duplicates by cached backbone features
 * are computed by the 'feature-dups' job (`featureGroups: 'computing'` until then); `onChanged`
 * hears when either has more. Without `jobs` (the CLI) the feature groups are computed here.
 */
export async function healthReport(
  studio: Studio,
  req: HealthRequest,
  jobs: Jobs | null,
  onChanged?: () => void,
): Promise<HealthDto> {
  if (jobs) startBackfill(studio, jobs, onChanged)
  const { store } = studio
  const originSplits = Boolean(req.useOriginSplits)
  const versionId = originSplits ? null : (req.versionId ?? store.datasets.latestVersionId())
  if (versionId !== null && !store.datasets.version(versionId)) {
    throw new NotFoundError(`dataset version ${versionId} does not exist`)
  }
  const failed = backfillFailures(studio)
  const byFeatures = jobs ? featureDupsForReport(studio, jobs, onChanged) : fromNow(featureDupsNow(studio))
  const features = byFeatures.result?.key ?? null
  const key = JSON.stringify([
    store.health.signature(),
    features,
    byFeatures.state,
    versionId,
    originSplits,
    failed.size,
  ])
  const cached = cachedReport(studio, key)
  if (cached) return cached

  const level = withFeatures(imageLevel(studio), byFeatures.result)
  // The grouping may have taken a while on a large project: let waiting requests through first.
  await new Promise<void>((resolve) => setImmediate(resolve))
  const findings = computeFindings(store, level, splitSource(store, versionId, originSplits), failed, byFeatures.state)
  const report: HealthDto = {
    computedAt: nowIso(),
    images: store.images.total(),
    versionId,
    originSplits,
    pending: pendingSignals(studio),
    featureGroups: byFeatures.state,
    findings,
  }
  forgetWrittenFindings(studio)
  store.tx(() => store.health.replaceFindings(findingRows(findings)))
  storeReport(studio, key, report)
  return report
}

function fromNow(result: FeatureDupsResult | null): { result: FeatureDupsResult | null; state: FeatureGroupsState } {
  return { result, state: result?.about ? 'included' : 'none' }
}

/** The hash groups with the feature groups merged in (groups sharing an image become one). */
export function withFeatures(
  level: ImageLevel,
  byFeatures: FeatureDupsResult | null,
): ImageLevel & { features: FeatureDups | null } {
  if (!byFeatures?.about) return { ...level, features: null }
  const merged = mergeGroups(level.groups, byFeatures.groups)
  return {
    ...level,
    groups: merged.groups,
    features: { ...byFeatures.about, onlyByFeatures: merged.onlyByFeatures, extended: merged.extended },
  }
}

/** Every finding of the project, in the order of FINDING_KINDS; kinds with nothing to report are left out. */
export function computeFindings(
  store: Store,
  { groups, outliers, features }: ImageLevel & { features: FeatureDups | null },
  where: SplitSource,
  failed: ReadonlyMap<number, string>,
  featureState: FeatureGroupsState = features ? 'included' : 'none',
): Finding[] {
  const classes = store.labels.liveClasses()
  const idOf = new Map(classes.map((c) => [c.name, c.id]))
  const found = [
    conflictFinding(store),
    nearDuplicateFinding(groups, features, featureState),
    leakageFinding(groups, where, features),
    ...balanceFindings(classes, (name) => store.labels.imagesOfClass(idOf.get(name)!)),
    ...outliers,
    unreadableFinding(store, failed),
    skippedFinding(store),
  ].filter((f): f is Finding => f !== null)
  const order = new Map<string, number>(FINDING_KINDS.map((k, i) => [k, i]))
  return found.sort((a, b) => order.get(a.kind)! - order.get(b.kind)!)
}

/** The split of each image the leakage check looks at. */
function splitSource(store: Store, versionId: number | null, originSplits: boolean): SplitSource {
  const splitOf = new Map<number, string>()
  if (originSplits) {
    // What a run with origin splits would use: labeled images in a train/val/test folder.
    for (const img of store.datasets.labeledImages()) {
      const s = originSplit(img.origin)
      if (s) splitOf.set(img.imageId, s)
    }
  } else if (versionId !== null) {
    for (const r of store.datasets.frozenRows(versionId)) splitOf.set(r.imageId, r.split)
  }
  return { versionId, originSplits, splitOf }
}

/** One row per (kind, image), numbered by group where the finding has groups. */
function findingRows(findings: readonly Finding[]): FindingRow[] {
  return findings.flatMap((f): FindingRow[] =>
    f.groups
      ? f.groups.flatMap((g, grp) => g.map((imageId) => ({ kind: f.kind, imageId, grp })))
      : f.images.map((imageId) => ({ kind: f.kind, imageId, grp: null })),
  )
}
