import fs from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import type { FindingDto, HealthDto, StudioEvent } from '../../../preload/contract'
import { planSplit } from '../../../main/engine/datasets/split'
import { createDatasetVersion, splitGroupsOf } from '../../../main/engine/datasets/versions'
import { imageLevel } from '../../../main/engine/health/cache'
import { healthReport } from '../../../main/engine/health/report'
import { Jobs } from '../../../main/engine/jobs'
import { rng } from '../../../main/engine/random'
import { Studio } from '../../../main/engine/studio'
import { tmpDir } from '../../helpers/fixtures'
import { scene } from '../../helpers/scenes'

const dups = (r: HealthDto): FindingDto | undefined => r.findings.find((f) => f.kind === 'near-duplicate')

/**
 * a/ and b/ with 12 unrelated scenes each (no two close by hash), a/s1 also as a re-encoded copy
 * (a hash group), and stand-in backbone features filed as transfer training files them: unrelated
 * images point anywhere; a/s1…a/s6 point the same way give or take a little (one feature group of
 * six pictures that hashing does not relate).
 */
async function project(root: string): Promise<Studio> {
  const src = path.join(root, 'src')
  for (const cls of ['a', 'b']) {
    fs.mkdirSync(path.join(src, cls), { recursive: true })
    for (let i = 1; i <= 12; i++) {
      fs.writeFileSync(path.join(src, cls, `s${i}.jpg`), await scene((cls === 'a' ? 0 : 100) + i, 96, 72))
    }
  }
  fs.writeFileSync(path.join(src, 'a', 'copy.png'), await scene(1, 96, 72, 'png'))
  const studio = Studio.init(path.join(root, 'proj'))
  await studio.import(src)
  const dir = path.join(studio.project.paths.cache, 'features', 'fakenet-32-cover')
  fs.mkdirSync(dir, { recursive: true })
  const r = rng(9)
  const shared = Float32Array.from({ length: 64 }, () => Math.max(0, r() * 2 - 0.5))
  for (const [id, hash] of studio.store.health.contentHashes()) {
    const rel = studio.store.images.get(id)!.relPath
    const inGroup = /^a\/s[1-6]\.jpg$/.test(rel)
    const v = Float32Array.from({ length: 64 }, (_, d) =>
      inGroup ? shared[d]! + (r() - 0.5) * 0.1 : Math.max(0, r() * 2 - 0.5),
    )
    fs.writeFileSync(path.join(dir, `${hash}.f32`), v)
  }
  return studio
}

/** Resolves with the next job-finished event of `kind`. */
function finished(events: StudioEvent[], kind: string): Promise<StudioEvent> {
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      const e = events.find((x) => x.type === 'job-finished' && x.kind === kind)
      if (e) {
        clearInterval(timer)
        resolve(e)
      }
    }, 20)
  })
}

describe('near-duplicates by features as a background job', () => {
  const root = tmpDir()
  let studio: Studio
  const ids = (rels: string[]) => rels.map((rel) => studio.image(rel).id).sort((a, b) => a - b)
  const group = () => ids(['a/s1.jpg', 'a/copy.png', 'a/s2.jpg', 'a/s3.jpg', 'a/s4.jpg', 'a/s5.jpg', 'a/s6.jpg'])

  beforeAll(async () => {
    studio = await project(root)
  }, 60_000)

  it('a cancelled job leaves hash groups only, says so, and is not started again by the next report', async () => {
    const events: StudioEvent[] = []
    const jobs = new Jobs((e) => events.push(e))
    const first = await healthReport(studio, {}, jobs)
    expect(first.featureGroups).toBe('computing')
    expect(jobs.isRunning('feature-dups')).toBe(true)
    jobs.cancel('feature-dups')
    expect(await finished(events, 'feature-dups')).toMatchObject({ status: 'cancelled' })
    const after = await healthReport(studio, {}, jobs)
    expect(after.featureGroups).toBe('not-computed')
    expect(jobs.isRunning('feature-dups')).toBe(false)
    expect(dups(after)!.groups).toEqual([ids(['a/s1.jpg', 'a/copy.png'])])
    expect(dups(after)!.detail).toMatch(/cancelled or failed; it runs again when images are added/)
  }, 60_000)

  it('the report answers at once with hash groups, the job adds the feature groups and says the report changed', async () => {
    // A new Studio on the same project: nothing cancelled for it, nothing in memory.
    studio.close()
    studio = Studio.open(path.join(root, 'proj'))
    const events: StudioEvent[] = []
    let changed = 0
    const jobs = new Jobs((e) => events.push(e))
    const first = await healthReport(studio, {}, jobs, () => changed++)
    expect(first.featureGroups).toBe('computing')
    expect(dups(first)!.groups).toEqual([ids(['a/s1.jpg', 'a/copy.png'])])
    expect(dups(first)!.detail).toMatch(/being computed in the background/)
    // Asked again while it runs: the same report, and no second job.
    expect(await healthReport(studio, {}, jobs, () => changed++)).toBe(first)

    expect(await finished(events, 'feature-dups')).toMatchObject({ status: 'done' })
    expect(events.some((e) => e.type === 'job-progress' && e.kind === 'feature-dups')).toBe(true)
    expect(changed).toBe(1)
    const ready = await healthReport(studio, {}, jobs)
    expect(ready.featureGroups).toBe('included')
    expect(dups(ready)!.groups).toEqual([group()])
    expect(dups(ready)!.detail).toMatch(/1 of them with more copies found by backbone features/)
    expect(jobs.isRunning('feature-dups')).toBe(false)
    // Cached: asked again, the same report without a job.
    expect(await healthReport(studio, {}, jobs)).toBe(ready)
    expect(jobs.isRunning('feature-dups')).toBe(false)
  }, 60_000)

  it('new dataset versions keep a feature group in one split, which a hash-only split spreads', () => {
    const names = new Map(studio.store.labels.liveClasses().map((c) => [c.id, c.name]))
    const labeled = studio.store.datasets.labeledImages()
    const byHash = imageLevel(studio).groups
    const g = group()
    let spread = 0
    for (let seed = 0; seed < 8; seed++) {
      const plain = planSplit(labeled, names, { seed, fractions: { train: 0.5, val: 0.25, test: 0.25 } }, byHash)
      if (new Set(plain.items.filter((i) => g.includes(i.imageId)).map((i) => i.split)).size > 1) spread++
      const v = createDatasetVersion(
        studio.store,
        { seed, fractions: { train: 0.5, val: 0.25, test: 0.25 } },
        splitGroupsOf(studio),
      )
      const splits = new Set(
        studio.store.datasets
          .frozenRows(v)
          .filter((r) => g.includes(r.imageId))
          .map((r) => r.split),
      )
      expect(splits.size, `seed ${seed}`).toBe(1)
    }
    // Without the feature groups the six land in different splits (the check above could fail).
    expect(spread).toBeGreaterThan(4)
  })
})
