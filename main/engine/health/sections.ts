import { plural } from '../plural'
import type { ImageSource, Store } from '../store'
import type { FeatureDups } from './cache'
import type { FeatureGroupsState } from './feature-job'
import { FEATURE_COSINE } from './feature-dups'
import type { Finding } from './findings'
import { leakingGroups } from './findings'

/** How many examples a finding's detail names before "and N more". */
const EXAMPLES = 3

function more(shown: string[], total: number): string {
  return total > shown.length ? `${shown.join('; ')}; and ${total - shown.length} more` : shown.join('; ')
}

/**
 * Unlabeled images that were imported with more than one label (the importer left them unlabeled,
 * see media/sources.ts). Labeling such an image decides the conflict and ends the finding.
 */
export function conflictFinding(store: Store): Finding | null {
  const byImage = new Map<number, ImageSource[]>()
  for (const s of store.health.unresolvedConflicts()) {
    const list = byImage.get(s.imageId)
    if (list) list.push(s)
    else byImage.set(s.imageId, [s])
  }
  if (!byImage.size) return null
  const ids = [...byImage.keys()].sort((a, b) => a - b)
  const classes = new Set<string>()
  const examples = ids.slice(0, EXAMPLES).map((id) => {
    const parts = byImage.get(id)!.map((s) => `${JSON.stringify(s.label)} (${s.relPath})`)
    return `image ${id} as ${parts.join(' and ')}`
  })
  for (const list of byImage.values()) for (const s of list) if (s.label !== null) classes.add(s.label)
  const n = ids.length
  return {
    kind: 'conflicting-duplicate',
    severity: 'warning',
    count: n,
    images: ids,
    classes: [...classes].sort(),
    detail:
      `${plural(n, 'image')} came with different labels at different paths (the same file in two class folders): ` +
      `${more(examples, n)}. ${n === 1 ? 'It is' : 'They are'} left unlabeled until you pick the right class.`,
  }
}

export function nearDuplicateFinding(
  groups: readonly number[][],
  features: FeatureDups | null = null,
  featureState: FeatureGroupsState = features ? 'included' : 'none',
): Finding | null {
  if (!groups.length) return null
  const images = groups.flat().sort((a, b) => a - b)
  return {
    kind: 'near-duplicate',
    severity: 'info',
    count: groups.length,
    images,
    groups: groups.map((g) => [...g]),
    detail:
      `${plural(groups.length, 'group')} of near-identical pictures (${plural(images.length, 'image')}): resized, ` +
      're-encoded or cropped copies. They weigh more in training than other pictures; new dataset ' +
      `versions keep each group in one split. ${foundBy(groups.length, features, featureState)}`,
  }
}

/** Which check found the groups: the perceptual hash alone, or also a backbone's cached features. */
function foundBy(groups: number, f: FeatureDups | null, state: FeatureGroupsState): string {
  if (state === 'computing') {
    return (
      'Found by perceptual hash so far: groups by cached backbone features (stronger crops, mirrored copies) ' +
      'are being computed in the background and are added when ready.'
    )
  }
  if (state === 'not-computed') {
    return (
      'Found by perceptual hash: comparing the cached backbone features was cancelled or failed; it runs again ' +
      'when images are added or more features are cached.'
    )
  }
  if (!f) {
    return (
      'Found by perceptual hash (no backbone features are cached yet: after a label check or transfer ' +
      'training, stronger crops and mirrored copies are found too).'
    )
  }
  const byHash = groups - f.onlyByFeatures.length
  const parts = [`${byHash} by perceptual hash`]
  if (f.extended) parts.push(`${f.extended} of them with more copies found by backbone features`)
  parts.push(`${f.onlyByFeatures.length} by backbone features alone (stronger crops, mirrored copies)`)
  return (
    `Found: ${parts.join(', ')}; features of ${f.backbone} compared for ` +
    `${plural(f.images, 'image')} (cosine ≥ ${FEATURE_COSINE} after centring).`
  )
}

/** Where the leakage check looked: a dataset version's splits, or the import's train/val/test folders. */
export interface SplitSource {
  versionId: number | null
  originSplits: boolean
  splitOf: ReadonlyMap<number, string>
}

/** Near-duplicate groups with members in more than one split: the model is tested on copies of what it learned. */
export function leakageFinding(
  groups: readonly number[][],
  where: SplitSource,
  features: FeatureDups | null = null,
): Finding | null {
  const leaking = leakingGroups(groups, where.splitOf).map((g) => g.filter((id) => where.splitOf.has(id)))
  if (!leaking.length) return null
  const images = leaking.flat().sort((a, b) => a - b)
  const examples = leaking.slice(0, EXAMPLES).map((g) => g.map((id) => `${id} (${where.splitOf.get(id)})`).join(', '))
  const across = where.originSplits
    ? "the import's train/val/test folders"
    : `dataset version ${where.versionId}'s splits`
  const fix = where.originSplits
    ? 'move the copies into one folder, or train without origin splits (new versions keep each group in one split)'
    : 'train on a new dataset version: new versions keep each group in one split'
  // New versions keep hash and feature groups in one split alike (datasets/versions.ts); origin folders do not.
  const firstIds = new Set(features?.onlyByFeatures ?? [])
  const byFeatures = groups.filter((g) => firstIds.has(g[0]!) && leakingGroups([g], where.splitOf).length).length
  const caveat = byFeatures
    ? ` ${plural(byFeatures, 'of these groups was', 'of these groups were')} found by backbone features alone.`
    : ''
  return {
    kind: 'split-leakage',
    severity: 'error',
    count: leaking.length,
    images,
    groups: leaking,
    detail:
      `${plural(leaking.length, 'near-duplicate group')} (${plural(images.length, 'image')}) span ${across}, ` +
      'so evaluation sees copies of training images and reports too high an accuracy: ' +
      `${more(examples, leaking.length)}. ` +
      `To fix: ${fix}.${caveat}`,
  }
}

/** Import errors (files that could not be imported) and stored images whose pixels could not be read. */
export function unreadableFinding(store: Store, failed: ReadonlyMap<number, string>): Finding | null {
  const errors = store.imports.errors(undefined, Number.MAX_SAFE_INTEGER)
  if (!errors.length && !failed.size) return null
  const images = [...failed.keys()].sort((a, b) => a - b)
  const parts: string[] = []
  if (errors.length) {
    const shown = errors.slice(0, EXAMPLES).map((e) => `${e.path}: ${e.reason}`)
    parts.push(`${plural(errors.length, 'file')} could not be imported (${more(shown, errors.length)})`)
  }
  if (images.length) {
    const shown = images.slice(0, EXAMPLES).map((id) => `image ${id}: ${failed.get(id)}`)
    parts.push(`${plural(images.length, 'stored image')} could not be read (${more(shown, images.length)})`)
  }
  return {
    kind: 'unreadable',
    severity: 'warning',
    count: errors.length + images.length,
    images,
    files: errors.map((e) => e.path),
    detail: parts.join('; ') + '.',
  }
}

/** Files the import skipped because they are not images (listed, not only counted). */
export function skippedFinding(store: Store): Finding | null {
  const skipped = store.health.skipped()
  if (!skipped.length) return null
  const shown = skipped.slice(0, EXAMPLES).map((s) => `${s.path}: ${s.reason}`)
  return {
    kind: 'skipped-not-image',
    severity: 'info',
    count: skipped.length,
    images: [],
    files: skipped.map((s) => s.path),
    detail: `${plural(skipped.length, 'file')} skipped at import as not images: ${more(shown, skipped.length)}.`,
  }
}
