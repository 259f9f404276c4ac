import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import sharp from 'sharp'
import { beforeAll, describe, expect, it } from 'vitest'
import type { FindingDto, FindingKind, HealthDto } from '../../../preload/contract'
import { createDatasetVersion } from '../../../main/engine/datasets/versions'
import { healthReport } from '../../../main/engine/health/report'
import { Studio } from '../../../main/engine/studio'
import { tmpDir } from '../../helpers/fixtures'
import { scene, sceneRaw } from '../../helpers/scenes'

const find = (r: HealthDto, kind: FindingKind): FindingDto | undefined => r.findings.find((f) => f.kind === kind)
const kinds = (r: HealthDto) => r.findings.map((f) => f.kind)
const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex')

/**
 * ants/ and bees/ with 12 unrelated scenes each, plus: the same bytes as ants/dup.jpg and
 * bees/same.jpg (a conflict), two variants of ants/s01 (near-duplicates), a dark and a tiny bees
 * image (outliers), a truncated JPEG (unreadable) and two files that are not images (skipped).
 */
async function makeSource(src: string): Promise<void> {
  for (const cls of ['ants', 'bees']) fs.mkdirSync(path.join(src, cls), { recursive: true })
  for (let i = 1; i <= 12; i++) {
    fs.writeFileSync(path.join(src, 'ants', `s${String(i).padStart(2, '0')}.jpg`), await scene(i))
    fs.writeFileSync(path.join(src, 'bees', `s${String(i).padStart(2, '0')}.jpg`), await scene(100 + i))
  }
  const dup = await scene(50)
  fs.writeFileSync(path.join(src, 'ants', 'dup.jpg'), dup)
  fs.writeFileSync(path.join(src, 'bees', 'same.jpg'), dup)
  const s01 = await scene(1)
  await sharp(s01)
    .resize(160)
    .jpeg({ quality: 60 })
    .toFile(path.join(src, 'ants', 'v-small.jpg'))
  await sharp(s01)
    .extract({ left: 8, top: 6, width: 304, height: 228 })
    .png()
    .toFile(path.join(src, 'ants', 'v-crop.png'))
  const { data, width, height } = sceneRaw(60)
  for (let i = 0; i < data.length; i++) data[i] = Math.round(data[i]! * 0.08)
  await sharp(data, { raw: { width, height, channels: 3 } })
    .jpeg()
    .toFile(path.join(src, 'bees', 'dark.jpg'))
  await sharp(await scene(61))
    .resize(20, 15)
    .jpeg()
    .toFile(path.join(src, 'bees', 'tiny.jpg'))
  const whole = await scene(62)
  fs.writeFileSync(path.join(src, 'bees', 'broken.jpg'), whole.subarray(0, Math.floor(whole.length / 2)))
  fs.writeFileSync(path.join(src, 'README.md'), '# not an image')
  fs.writeFileSync(path.join(src, 'ants', 'notes.txt'), 'not an image either')
}

describe('health report on a generated project with known problems', () => {
  const root = tmpDir()
  const src = path.join(root, 'src')
  let studio: Studio
  const id = (rel: string) => studio.image(rel).id
  // The conflicting image's row is named after whichever of its two paths finished importing first.
  const dupId = () => studio.store.images.byHash(sha256(path.join(src, 'ants/dup.jpg')))!.id

  beforeAll(async () => {
    await makeSource(src)
    studio = Studio.init(path.join(root, 'proj'))
    await studio.import(src)
    studio.labels.createClass('wasps')
  }, 120_000)

  it('finds exactly the planted problems', async () => {
    const r = await healthReport(studio, {}, null)
    expect(r).toMatchObject({ images: 29, versionId: null, originSplits: false, pending: 0 })
    expect(kinds(r)).toEqual([
      'conflicting-duplicate',
      'near-duplicate',
      'empty-class',
      'outlier-small',
      'outlier-dark',
      'unreadable',
      'skipped-not-image',
    ])
    const conflict = find(r, 'conflicting-duplicate')!
    expect(conflict).toMatchObject({ count: 1, images: [dupId()], classes: ['ants', 'bees'], severity: 'warning' })
    expect(conflict.detail).toContain('"ants" (ants/dup.jpg)')
    expect(conflict.detail).toContain('"bees" (bees/same.jpg)')
    const group = [id('ants/s01.jpg'), id('ants/v-crop.png'), id('ants/v-small.jpg')].sort((a, b) => a - b)
    expect(find(r, 'near-duplicate')).toMatchObject({ count: 1, groups: [group], images: group })
    expect(find(r, 'empty-class')).toMatchObject({ count: 1, classes: ['wasps'] })
    expect(find(r, 'outlier-small')!.images).toEqual([id('bees/tiny.jpg')])
    expect(find(r, 'outlier-dark')!.images).toEqual([id('bees/dark.jpg')])
    expect(find(r, 'unreadable')).toMatchObject({ count: 1, images: [], files: ['bees/broken.jpg'] })
    expect(find(r, 'skipped-not-image')).toMatchObject({ count: 2, files: ['README.md', 'ants/notes.txt'] })
  })

  it('writes the findings for the Browse filter: images({finding}) opens exactly those images', async () => {
    const r = await healthReport(studio, {}, null)
    for (const f of r.findings) {
      const page = studio.store.images.page({ finding: f.kind, limit: 1000 })
      expect(page.items.map((i) => i.id)).toEqual([...f.images].sort((a, b) => a - b))
    }
    expect(studio.store.images.count({ finding: 'split-leakage' })).toBe(0)
  })

  it('answers from its cache until something it reads changes', async () => {
    const a = await healthReport(studio, {}, null)
    const b = await healthReport(studio, {}, null)
    expect(b.computedAt).toBe(a.computedAt)
    // A new process (the CLI) answers from the cache on disk.
    const other = Studio.open(studio.root)
    try {
      expect((await healthReport(other, {}, null)).computedAt).toBe(a.computedAt)
    } finally {
      other.close()
    }
    studio.labels.createClass('hornets')
    const c = await healthReport(studio, {}, null)
    expect(c.computedAt).not.toBe(a.computedAt)
    expect(find(c, 'empty-class')!.classes).toEqual(['wasps', 'hornets'])
  })

  it('finds leakage in a version that splits a near-duplicate group, and none in a new version', async () => {
    const group = find(await healthReport(studio, {}, null), 'near-duplicate')!.groups![0]!
    // A version frozen before splits were group-aware: the copies of s01 in train and test.
    const labeled = studio.store.datasets.labeledImages()
    const classes = studio.labels.classes().filter((c) => c.count > 0)
    const index = new Map(classes.map((c, i) => [c.id, i]))
    const leaky = studio.store.datasets.insertVersion(
      {
        createdAt: new Date().toISOString(),
        seed: 1,
        fractions: { train: 0.7, val: 0.15, test: 0.15 },
        useOriginSplits: false,
        classes: classes.map((c) => ({ id: c.id, name: c.name })),
      },
      labeled.map((l) => ({
        imageId: l.imageId,
        classIndex: index.get(l.classId)!,
        split: l.imageId === group[0] ? 'test' : 'train',
      })),
    )
    const r = await healthReport(studio, {}, null)
    expect(r.versionId).toBe(leaky)
    expect(find(r, 'split-leakage')).toMatchObject({ count: 1, groups: [group], severity: 'error' })
    expect(find(r, 'split-leakage')!.detail).toContain(`dataset version ${leaky}`)

    const fresh = createDatasetVersion(studio.store, { seed: 1 })
    expect(fresh).not.toBe(leaky)
    const after = await healthReport(studio, {}, null)
    expect(after.versionId).toBe(fresh)
    expect(find(after, 'split-leakage')).toBeUndefined()
    // The old version can still be checked by id.
    expect(find(await healthReport(studio, { versionId: leaky }, null), 'split-leakage')?.count).toBe(1)
    await expect(healthReport(studio, { versionId: 999 }, null)).rejects.toThrow(/dataset version 999 does not exist/)
  })

  it('labeling a conflicting image decides it', async () => {
    studio.labels.setLabels([dupId()], 'bees')
    expect(find(await healthReport(studio, {}, null), 'conflicting-duplicate')).toBeUndefined()
  })
})

describe('health report on edge cases', () => {
  const root = tmpDir()

  it('an empty project has nothing to report', async () => {
    const studio = Studio.init(path.join(root, 'empty'))
    try {
      expect(await healthReport(studio, {}, null)).toMatchObject({
        images: 0,
        pending: 0,
        versionId: null,
        findings: [],
      })
    } finally {
      studio.close()
    }
  })

  it('one class of a few images is a small class, not an imbalance', async () => {
    const src = path.join(root, 'one')
    fs.mkdirSync(path.join(src, 'cats'), { recursive: true })
    for (let i = 0; i < 4; i++) fs.writeFileSync(path.join(src, 'cats', `c${i}.jpg`), await scene(300 + i))
    const studio = Studio.init(path.join(root, 'one-proj'))
    try {
      await studio.import(src)
      const r = await healthReport(studio, {}, null)
      expect(kinds(r)).toEqual(['small-class'])
      expect(find(r, 'small-class')).toMatchObject({ count: 1, classes: ['cats'] })
      expect(find(r, 'small-class')!.images).toHaveLength(4)
    } finally {
      studio.close()
    }
  })
})
