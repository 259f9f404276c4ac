import { imageLevel } from '../health/cache'
import { featureDupsNow } from '../health/feature-job'
import { mergeGroups, NEAR_DUP_BITS, nearDuplicateGroups } from '../health/near-dups'
import type { DatasetVersion, SplitFractions, Store } from '../store'
import type { Studio } from '../studio'
import { nowIso } from '../util'
import { DEFAULT_FRACTIONS, planSplit, type SplitOptions, type SplitPlan } from './split'

/**
 * Freezes the current labels into an immutable dataset version (image, class, split), so a run
 * stays reproducible while labeling goes on. Nothing is written when the split is impossible.
 *
 * When nothing changed since the latest version, that version is reused instead of frozen again.
 * "Nothing changed" means freezing now would write exactly what it holds: the same settings (seed,
 * fractions, whether origin folders keep their split), the same classes in the same output order
 * with the same names (a renamed class changes what the model's outputs are called), and the same
 * (image, class, split) rows — so the same labeled images with the same classes. Any label change,
 * class rename, merge or deletion, or new labeled image makes a new version.
 *
 * Splits keep each near-duplicate group (by perceptual hash, see health/near-dups.ts) in one
 * split; `groups` replaces that grouping: splitGroupsOf(studio) adds the groups by cached backbone
 * features (what training passes), tests pass their own.
 */
export function createDatasetVersion(store: Store, opts: SplitOptions = {}, groups?: readonly number[][]): number {
  const grouping = groups ?? hashGroupsOf(store)
  return store.tx(() => {
    const names = new Map(store.labels.liveClasses().map((c) => [c.id, c.name]))
    const plan = planSplit(store.datasets.labeledImages(), names, opts, grouping)
    const settings = {
      seed: opts.seed ?? 42,
      fractions: opts.fractions ?? DEFAULT_FRACTIONS,
      useOriginSplits: Boolean(opts.useOriginSplits),
    }
    const latestId = store.datasets.latestVersionId()
    const latest = latestId === null ? undefined : store.datasets.version(latestId)
    if (latest && sameSettings(latest, settings) && sameRows(store, latest, plan)) return latest.id
    return store.datasets.insertVersion({ createdAt: nowIso(), ...settings, classes: plan.classes }, plan.items)
  })
}

type Settings = Pick<DatasetVersion, 'seed' | 'fractions' | 'useOriginSplits'>

function sameSettings(v: Settings, s: Settings): boolean {
  const keys: (keyof SplitFractions)[] = ['train', 'val', 'test']
  const sameFractions = keys.every((k) => v.fractions[k] === s.fractions[k])
  return v.seed === s.seed && v.useOriginSplits === s.useOriginSplits && sameFractions
}

function sameRows(store: Store, v: DatasetVersion, plan: SplitPlan): boolean {
  if (v.classes.length !== plan.classes.length) return false
  if (v.classes.some((c, i) => c.id !== plan.classes[i]!.id || c.name !== plan.classes[i]!.name)) return false
  const rows = store.datasets.frozenTuples(v.id)
  if (rows.length !== plan.items.length) return false
  // Both are ordered by image id.
  return rows.every((r, i) => {
    const p = plan.items[i]!
    return r[0] === p.imageId && r[1] === p.classIndex && r[2] === p.split
  })
}

/**
 * The groups a new version keeps in one split: near-duplicates by perceptual hash (the health
 * report's, cached by the images' signals), merged with those by the project's cached backbone
 * features where it has any (groups sharing an image become one). The feature groups are the
 * 'feature-dups' job's when it has stored them for the current images and features, else they are
 * computed here (seconds at 100,000 images with features; then cached for the report too).
 */
export function splitGroupsOf(studio: Studio): number[][] {
  const byHash = imageLevel(studio).groups
  const byFeatures = featureDupsNow(studio)
  return byFeatures?.about ? mergeGroups(byHash, byFeatures.groups).groups : byHash
}

/** Near-duplicate groups of every measured image (images without signals yet are in none). */
function hashGroupsOf(store: Store): number[][] {
  const { ids, hashes, tone } = store.health.hashes()
  return nearDuplicateGroups(ids, hashes, NEAR_DUP_BITS, tone)
}
