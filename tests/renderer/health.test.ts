import { describe, expect, it } from 'vitest'
import type { FindingDto } from '../../preload/contract'
import { coalesced } from '../../renderer/src/composables/coalesce'
import {
  browseRoute,
  countText,
  featureGroupsText,
  healthSummary,
  pendingText,
  scopeText,
  shownGroups,
  sortFindings,
  trainWarnings,
  warningKey,
} from '../../renderer/src/composables/health'
import { deferred } from './fake-api'
import { finding, report } from './fake-quality'

describe('the health report as the view shows it', () => {
  it('lists errors, then warnings, then notes; within one severity the larger count first', () => {
    const f = (kind: FindingDto['kind'], severity: FindingDto['severity'], count: number) =>
      finding({ kind, severity, count })
    const sorted = sortFindings([
      f('outlier-dark', 'info', 9),
      f('small-class', 'warning', 1),
      f('conflicting-duplicate', 'error', 2),
      f('near-duplicate', 'warning', 4),
    ])
    expect(sorted.map((x) => x.kind)).toEqual([
      'conflicting-duplicate',
      'near-duplicate',
      'small-class',
      'outlier-dark',
    ])
  })

  it('counts in the unit of the kind, in the right number', () => {
    expect(countText({ kind: 'near-duplicate', count: 1 })).toBe('1 group')
    expect(countText({ kind: 'near-duplicate', count: 3 })).toBe('3 groups')
    expect(countText({ kind: 'small-class', count: 2 })).toBe('2 classes')
    expect(countText({ kind: 'outlier-blurry', count: 2 })).toBe('2 images')
    expect(countText({ kind: 'skipped-not-image', count: 1 })).toBe('1 file')
  })

  it('reads well for an empty project, a clean one, one still measuring and one with findings', () => {
    expect(healthSummary(report([], { images: 0 }))).toMatchObject({ tone: 'empty' })
    expect(healthSummary(report([], { images: 1 })).text).toBe('No problems found in 1 image.')
    expect(healthSummary(report([], { images: 40, pending: 12 })).text).toBe(
      'No problems found in 40 images so far (12 images still to check).',
    )
    const two = healthSummary(report([finding({ kind: 'outlier-dark' }), finding({ kind: 'small-class' })]))
    expect(two).toEqual({ tone: 'findings', text: '2 kinds of problem in 10 images.' })
    expect(pendingText(3, '1 / 4 (25 %)')).toMatch(/^Some checks are pending: 3 images not measured yet \(1 \/ 4/)
    expect(featureGroupsText(report([], { featureGroups: 'included' }), false, '')).toBe('')
    expect(featureGroupsText(report([], { featureGroups: 'not-computed' }), false, '')).toBe('')
    expect(featureGroupsText(report([], { featureGroups: 'computing' }), false, '')).toMatch(
      /^Comparing backbone features for near-duplicates that hashing misses\. /,
    )
    // The job's own progress, also before the report that started it arrives.
    expect(featureGroupsText(null, true, '3 / 61 (5 %)')).toMatch(/hashing misses \(3 \/ 61 \(5 %\)\)/)
    expect(scopeText(report([], { versionId: null }))).toMatch(/none yet/)
    expect(scopeText(report([], { originSplits: true }))).toMatch(/imported train\/val\/test folders/)
  })

  it('opens Browse on exactly the finding (?finding=<kind>)', () => {
    expect(browseRoute('near-duplicate')).toEqual({ path: '/browse', query: { finding: 'near-duplicate' } })
  })

  it('draws the first groups as strips and says how many more there are', () => {
    const groups = Array.from({ length: 8 }, (_, i) => Array.from({ length: 9 }, (_, j) => i * 10 + j))
    const s = shownGroups(finding({ kind: 'near-duplicate', groups }), 6, 4)
    expect(s.groups).toHaveLength(6)
    expect(s.groups[0]).toEqual([0, 1, 2, 3])
    expect(s.more).toBe(2)
    expect(shownGroups(finding({ kind: 'outlier-dark' }))).toEqual({ groups: [], more: 0 })
  })

  it('warns before training only of leakage, tiny or empty classes and conflicts', () => {
    const r = report([
      finding({ kind: 'outlier-blurry' }),
      finding({ kind: 'split-leakage', count: 2 }),
      finding({ kind: 'class-imbalance' }),
      finding({ kind: 'empty-class', images: [] }),
      finding({ kind: 'conflicting-duplicate', severity: 'error' }),
      finding({ kind: 'small-class' }),
    ])
    expect(trainWarnings(r).map((f) => f.kind)).toEqual([
      'conflicting-duplicate',
      'split-leakage',
      'empty-class',
      'small-class',
    ])
    expect(trainWarnings(null)).toEqual([])
    // A dismissed warning is known by what it says: another count shows it again.
    expect(warningKey(finding({ kind: 'small-class', count: 1 }))).not.toBe(
      warningKey(finding({ kind: 'small-class', count: 2 })),
    )
  })
})

describe('coalesced refetch', () => {
  it('runs once more after triggers that came while it ran, not once per trigger', async () => {
    const replies: ReturnType<typeof deferred<void>>[] = []
    const refresh = coalesced(() => {
      const d = deferred<void>()
      replies.push(d)
      return d.promise
    })
    const first = refresh()
    void refresh()
    void refresh()
    expect(replies).toHaveLength(1)
    replies[0]!.resolve()
    await new Promise((r) => setTimeout(r, 0))
    expect(replies).toHaveLength(2)
    replies[1]!.resolve()
    await first
    void refresh()
    expect(replies).toHaveLength(3)
  })
})
