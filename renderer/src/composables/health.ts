import type { FindingDto, FindingKind, HealthDto } from '../../../preload/contract'
import { plural } from './messages'

type Unit = 'image' | 'group' | 'class' | 'file'

/** How each finding kind reads in the Health view: a title and what its count counts. */
export const FINDING_INFO: Record<FindingKind, { title: string; unit: Unit }> = {
  'conflicting-duplicate': { title: 'Same image, different labels', unit: 'image' },
  'near-duplicate': { title: 'Near-duplicates', unit: 'group' },
  'split-leakage': { title: 'Near-duplicates across splits', unit: 'group' },
  'class-imbalance': { title: 'Class imbalance', unit: 'class' },
  'small-class': { title: 'Small classes', unit: 'class' },
  'empty-class': { title: 'Empty classes', unit: 'class' },
  'outlier-small': { title: 'Very small images', unit: 'image' },
  'outlier-aspect': { title: 'Extreme aspect ratio', unit: 'image' },
  'outlier-grayscale': { title: 'Grayscale among colour', unit: 'image' },
  'outlier-dark': { title: 'Too dark', unit: 'image' },
  'outlier-bright': { title: 'Too bright', unit: 'image' },
  'outlier-blurry': { title: 'Blurry', unit: 'image' },
  unreadable: { title: 'Unreadable files', unit: 'file' },
  'skipped-not-image': { title: 'Skipped: not images', unit: 'file' },
}

const RANK: Record<FindingDto['severity'], number> = { error: 0, warning: 1, info: 2 }

/** Icon and word of a severity; the word is what a screen reader says (the icon is decoration). */
export const SEVERITY = {
  error: { icon: '✖', word: 'Error' },
  warning: { icon: '▲', word: 'Warning' },
  info: { icon: 'ℹ', word: 'Note' },
} as const

/** Errors first, then warnings, then notes; within one severity the larger count first. */
export function sortFindings(findings: readonly FindingDto[]): FindingDto[] {
  return [...findings].sort((a, b) => RANK[a.severity] - RANK[b.severity] || b.count - a.count)
}

/** "3 groups", "1 image", "2 classes". */
export function countText(f: Pick<FindingDto, 'kind' | 'count'>): string {
  const unit = FINDING_INFO[f.kind].unit
  return plural(f.count, unit, unit === 'class' ? 'classes' : `${unit}s`)
}

/** Whether "Show in Browse" has something to show: the finding names images. */
export const canBrowse = (f: FindingDto): boolean => f.images.length > 0

/** The Browse route that shows exactly the finding's images (Browse reads `?finding=`). */
export const browseRoute = (kind: FindingKind) => ({ path: '/browse', query: { finding: kind } })

/** The findings that concern a training run about to start (shown in Train, each dismissible). */
export const TRAIN_KINDS: readonly FindingKind[] = [
  'split-leakage',
  'small-class',
  'empty-class',
  'conflicting-duplicate',
]

export function trainWarnings(report: HealthDto | null): FindingDto[] {
  return sortFindings((report?.findings ?? []).filter((f) => TRAIN_KINDS.includes(f.kind)))
}

/** Identifies a warning as shown: dismissing it hides it until it changes (another count or detail). */
export const warningKey = (f: FindingDto): string => `${f.kind}:${f.count}:${f.detail}`

/** The report's state in one line, for an empty project, a clean one, and one with findings. */
export function healthSummary(r: HealthDto): { tone: 'empty' | 'clean' | 'findings'; text: string } {
  if (r.images === 0) return { tone: 'empty', text: 'No images yet: import a folder and its health shows here.' }
  const checked = plural(r.images, 'image')
  if (!r.findings.length) {
    const pending = r.pending ? ` so far (${plural(r.pending, 'image')} still to check)` : ''
    return { tone: 'clean', text: `No problems found in ${checked}${pending}.` }
  }
  const problems = plural(r.findings.length, 'kind of problem', 'kinds of problem')
  return { tone: 'findings', text: `${problems} in ${checked}.` }
}

/** The first `max` groups and how many are left out (the view shows thumbnail strips for these). */
export function shownGroups(f: FindingDto, max = 6, perGroup = 6): { groups: number[][]; more: number } {
  const groups = f.groups ?? []
  return { groups: groups.slice(0, max).map((g) => g.slice(0, perGroup)), more: Math.max(0, groups.length - max) }
}

/** The note while the signal backfill runs; `progress` is the job's progress line, if any. */
export function pendingText(pending: number, progress: string): string {
  const what = pending ? `${plural(pending, 'image')} not measured yet` : 'images are being measured'
  return `Some checks are pending: ${what}${progress ? ` (${progress})` : ''}. The report updates as they finish.`
}

/**
 * The note while the 'feature-dups' job compares cached backbone features (near-duplicates that
 * hashing misses); '' when it does not run. `progress` is the job's progress line, if any.
 */
export function featureGroupsText(r: HealthDto | null, active: boolean, progress: string): string {
  if (!active && r?.featureGroups !== 'computing') return ''
  return (
    `Comparing backbone features for near-duplicates that hashing misses${progress ? ` (${progress})` : ''}. ` +
    'The groups found so far are by perceptual hash; the report adds the others when done.'
  )
}

/** Which splits the leakage check looked at, and when the report was computed. */
export function scopeText(r: HealthDto): string {
  const splits = r.originSplits
    ? 'the imported train/val/test folders'
    : r.versionId
      ? `dataset version ${r.versionId}`
      : 'none yet (a first training run makes a dataset version)'
  return `Split checks: ${splits} · computed ${r.computedAt.replace('T', ' ').slice(0, 16)}`
}
