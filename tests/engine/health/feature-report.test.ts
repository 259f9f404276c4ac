import fs from 'node:fs'
import path from 'node:path'
import sharp from 'sharp'
import { beforeAll, describe, expect, it } from 'vitest'
import type { FindingDto, HealthDto } from '../../../preload/contract'
import { healthReport } from '../../../main/engine/health/report'
import { NEAR_DUP_BITS } from '../../../main/engine/health/near-dups'
import { hamming } from '../../../main/engine/health/signals'
import { runLabelCheck } from '../../../main/engine/quality/check'
import { rng } from '../../../main/engine/random'
import { Studio } from '../../../main/engine/studio'
import { SHARED, tmpDir } from '../../helpers/fixtures'
import { scene } from '../../helpers/scenes'

const dups = (r: HealthDto): FindingDto | undefined => r.findings.find((f) => f.kind === 'near-duplicate')

/**
 * a/ and b/ with 8 unrelated scenes each, and copies that perceptual hashing misses: a crop of
 * 15 % a side of a/s1, and a mirror image of b/s2.
 */
async function makeSource(src: string): Promise<void> {
  for (const cls of ['a', 'b']) {
    fs.mkdirSync(path.join(src, cls), { recursive: true })
    for (let i = 1; i <= 8; i++) {
      fs.writeFileSync(path.join(src, cls, `s${i}.jpg`), await scene(cls === 'a' ? i : 100 + i))
    }
  }
  await sharp(await scene(1))
    .extract({ left: 48, top: 36, width: 224, height: 168 })
    .jpeg({ quality: 85 })
    .toFile(path.join(src, 'a', 'crop.jpg'))
  await sharp(await scene(102))
    .flop()
    .jpeg({ quality: 85 })
    .toFile(path.join(src, 'b', 'mirror.jpg'))
}

describe('near-duplicates by cached backbone features', () => {
  const root = tmpDir()
  const src = path.join(root, 'src')
  let studio: Studio
  const id = (rel: string) => studio.image(rel).id

  beforeAll(async () => {
    await makeSource(src)
    studio = Studio.init(path.join(root, 'proj'))
    await studio.import(src)
  }, 120_000)

  it('without features: the copies hashing misses are not grouped', async () => {
    const phash = (rel: string) => studio.store.health.signalRows().find((r) => r[0] === id(rel))![3]!
    expect(hamming(phash('a/s1.jpg'), phash('a/crop.jpg'))).toBeGreaterThan(NEAR_DUP_BITS)
    expect(hamming(phash('b/s2.jpg'), phash('b/mirror.jpg'))).toBeGreaterThan(NEAR_DUP_BITS)
    const r = await healthReport(studio, {}, null)
    expect(dups(r)).toBeUndefined()
  })

  it('with features: the copies group, the detail says features found them, and the report is cached again', async () => {
    // Stand-in features (a real backbone's are tested below): unrelated images point anywhere, a copy
    // points where its original does, give or take a little. Filed as training/transfer.ts files them.
    const dir = path.join(studio.project.paths.cache, 'features', 'fakenet-32-cover')
    fs.mkdirSync(dir, { recursive: true })
    const r = rng(4)
    const vectors = new Map<number, Float32Array>()
    for (const img of studio.store.health.contentHashes()) {
      const [imageId, hash] = img
      vectors.set(
        imageId,
        Float32Array.from({ length: 64 }, () => Math.max(0, r() * 2 - 0.5)),
      )
      fs.writeFileSync(path.join(dir, `${hash}.f32`), vectors.get(imageId)!)
    }
    const copyOf = (copy: string, orig: string) => {
      const v = vectors.get(id(orig))!.map((x) => x + (r() - 0.5) * 0.1)
      fs.writeFileSync(path.join(dir, `${studio.image(copy).hash}.f32`), v)
    }
    copyOf('a/crop.jpg', 'a/s1.jpg')
    copyOf('b/mirror.jpg', 'b/s2.jpg')

    const report = await healthReport(studio, {}, null)
    const f = dups(report)!
    expect(f.groups).toEqual([
      [id('a/s1.jpg'), id('a/crop.jpg')].sort((a, b) => a - b),
      [id('b/s2.jpg'), id('b/mirror.jpg')].sort((a, b) => a - b),
    ])
    expect(f.detail).toMatch(/Found: 0 by perceptual hash, 2 by backbone features alone/)
    expect(f.detail).toMatch(/features of fakenet compared for 18 images/)
    // Unchanged project and features: the same report, from the cache.
    expect(await healthReport(studio, {}, null)).toBe(report)
  })
})

const MOBILENET = 'mobilenet_v1_0.25_224'
const HYMENOPTERA = path.join(SHARED, 'data', 'hymenoptera', 'val')
const shared = fs.existsSync(path.join(SHARED, 'models', MOBILENET, 'model.json')) && fs.existsSync(HYMENOPTERA)
if (!shared)
  console.log(`SKIPPED near-duplicates by real features: ${SHARED}/models/${MOBILENET} or ${HYMENOPTERA} is absent`)

/** 12 ant and 12 bee photos; of the first 3 of each, a crop of 10 % a side and a mirror image. Returns the triples. */
async function photosWithCopies(src: string): Promise<string[][]> {
  const triples: string[][] = []
  for (const cls of ['ants', 'bees']) {
    fs.mkdirSync(path.join(src, cls), { recursive: true })
    const files = fs.readdirSync(path.join(HYMENOPTERA, cls)).sort().slice(0, 12)
    for (const [i, f] of files.entries()) {
      const buf = fs.readFileSync(path.join(HYMENOPTERA, cls, f))
      fs.writeFileSync(path.join(src, cls, f), buf)
      if (i >= 3) continue
      const { width = 0, height = 0 } = await sharp(buf).rotate().metadata()
      const [left, top] = [Math.round(width * 0.1), Math.round(height * 0.1)]
      await sharp(buf)
        .rotate()
        .extract({ left, top, width: width - 2 * left, height: height - 2 * top })
        .jpeg({ quality: 85 })
        .toFile(path.join(src, cls, `crop-${f}`))
      await sharp(buf)
        .rotate()
        .flop()
        .jpeg({ quality: 85 })
        .toFile(path.join(src, cls, `mirror-${f}`))
      triples.push([`${cls}/${f}`, `${cls}/crop-${f}`, `${cls}/mirror-${f}`])
    }
  }
  return triples
}

describe.skipIf(!shared)('near-duplicates by a real MobileNet backbone (../shared/models)', () => {
  it('groups the crops and mirror images of photos that hashing misses, once a label check cached features', async () => {
    const root = tmpDir()
    const triples = await photosWithCopies(path.join(root, 'src'))
    const studio = Studio.init(path.join(root, 'proj'))
    await studio.import(path.join(root, 'src'))
    const ids = (rels: string[]) => rels.map((rel) => studio.image(rel).id).sort((a, b) => a - b)
    const expected = triples.map(ids).sort((a, b) => a[0]! - b[0]!)
    // By hash alone, at most one of the six (a crop of a plain picture can keep its hash).
    const byHash = dups(await healthReport(studio, {}, null))?.groups ?? []
    expect(byHash.length).toBeLessThanOrEqual(1)
    await runLabelCheck(studio, { backbone: MOBILENET, modelsDir: path.join(SHARED, 'models') })
    const f = dups(await healthReport(studio, {}, null))!
    expect(f.groups).toEqual(expected)
    expect(f.detail).toMatch(new RegExp(`features of ${MOBILENET} compared for 36 images`))
    studio.close()
  }, 300_000)
})
