import path from 'node:path'
import fs from 'node:fs'
import sharp from 'sharp'
import { beforeAll, describe, expect, it } from 'vitest'
import { planSplit, type SplitPlan } from '../../../main/engine/datasets/split'
import { createDatasetVersion } from '../../../main/engine/datasets/versions'
import { Studio } from '../../../main/engine/studio'
import type { LabeledImage } from '../../../main/engine/store'
import { tmpDir } from '../../helpers/fixtures'
import { scene } from '../../helpers/scenes'

const names = new Map([
  [1, 'a'],
  [2, 'b'],
])
function images(counts: Record<number, number>, origin: (id: number) => string | null = () => null): LabeledImage[] {
  const out: LabeledImage[] = []
  let id = 1
  for (const [cls, n] of Object.entries(counts)) {
    for (let i = 0; i < n; i++, id++) out.push({ imageId: id, classId: Number(cls), origin: origin(id) })
  }
  return out
}
const splitOf = (plan: SplitPlan) => new Map(plan.items.map((i) => [i.imageId, i.split]))
const splitsOfGroup = (plan: SplitPlan, g: number[]) => new Set(g.map((id) => splitOf(plan).get(id)))

describe('group-aware splits', () => {
  it('without groups, is exactly the plain stratified split', () => {
    const imgs = images({ 1: 40, 2: 27 })
    expect(planSplit(imgs, names, { seed: 5 }, [])).toEqual(planSplit(imgs, names, { seed: 5 }))
  })

  it('keeps every group in one split, for every seed, and stays near the fractions', () => {
    const imgs = images({ 1: 100, 2: 100 })
    // Groups of 2–5 within a class, and two groups spanning both classes.
    const groups: number[][] = []
    for (let start = 1; start < 95; start += 9)
      groups.push(Array.from({ length: 2 + (start % 4) }, (_, k) => start + k))
    groups.push([96, 150], [97, 151, 152])
    for (let seed = 0; seed < 20; seed++) {
      const plan = planSplit(imgs, names, { seed }, groups)
      expect(plan.items).toHaveLength(200)
      for (const g of groups) expect(splitsOfGroup(plan, g).size).toBe(1)
      for (const cls of [0, 1]) {
        const n = (s: string) => plan.items.filter((i) => i.classIndex === cls && i.split === s).length
        // Held-out splits never overshoot their 15 % and miss it by less than the largest group.
        expect(n('test')).toBeLessThanOrEqual(15)
        expect(n('test')).toBeGreaterThanOrEqual(15 - 5)
        expect(n('val')).toBeLessThanOrEqual(15)
        expect(n('val')).toBeGreaterThanOrEqual(15 - 5)
      }
    }
  })

  it('with origin splits, the rest of a group follows its member in a split folder', () => {
    const imgs = images({ 1: 20, 2: 20 }, (id) => (id === 3 ? 'val' : id === 30 ? 'test' : null))
    const plan = planSplit(imgs, names, { seed: 1, useOriginSplits: true }, [
      [3, 4, 5],
      [30, 31],
    ])
    const s = splitOf(plan)
    expect([s.get(3), s.get(4), s.get(5)]).toEqual(['val', 'val', 'val'])
    expect([s.get(30), s.get(31)]).toEqual(['test', 'test'])
  })
})

describe('a new dataset version of a project with generated variants', () => {
  const root = tmpDir()
  let studio: Studio

  beforeAll(async () => {
    const src = path.join(root, 'src')
    // 2 classes × 12 pictures, each with 3 variants: resized, re-encoded, lightly cropped.
    for (const [c, cls] of ['cats', 'dogs'].entries()) {
      fs.mkdirSync(path.join(src, cls), { recursive: true })
      for (let i = 0; i < 12; i++) {
        const orig = await scene(1000 * (c + 1) + i)
        const base = path.join(src, cls, `p${i}`)
        fs.writeFileSync(`${base}-a.jpg`, orig)
        await sharp(orig).resize(200).jpeg({ quality: 70 }).toFile(`${base}-b.jpg`)
        await sharp(orig).webp({ quality: 60 }).toFile(`${base}-c.webp`)
        await sharp(orig).extract({ left: 6, top: 5, width: 308, height: 230 }).png().toFile(`${base}-d.png`)
      }
    }
    studio = Studio.init(path.join(root, 'proj'))
    await studio.import(src)
  }, 120_000)

  it('puts every picture with its variants in one split', () => {
    const v = createDatasetVersion(studio.store, { seed: 3 })
    const rows = studio.store.datasets.frozenRows(v)
    expect(rows).toHaveLength(96)
    const byPicture = new Map<string, Set<string>>()
    for (const r of rows) {
      const key = studio.image(r.imageId).relPath.replace(/-[a-d]\.\w+$/, '')
      byPicture.set(key, (byPicture.get(key) ?? new Set()).add(r.split))
    }
    expect(byPicture.size).toBe(24)
    for (const splits of byPicture.values()) expect(splits.size).toBe(1)
    // Each class still has test and val pictures (12 pictures × 4: 15 % ≈ 7 images → one picture of 4).
    expect(new Set(rows.map((r) => r.split))).toEqual(new Set(['train', 'val', 'test']))
  })
})
