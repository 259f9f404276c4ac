import path from 'node:path'
import { beforeEach, describe, expect, it } from 'vitest'
import { DEFAULT_FRACTIONS } from '../../../main/engine/datasets/split'
import { createDatasetVersion } from '../../../main/engine/datasets/versions'
import { Studio } from '../../../main/engine/studio'
import { tmpDir } from '../../helpers/fixtures'
import { insertSyntheticImages } from '../../helpers/synthetic'

const root = tmpDir()
let n = 0
let studio: Studio

beforeEach(() => {
  studio = Studio.init(path.join(root, `p${n++}`))
  insertSyntheticImages(studio, 300)
  return () => studio.close()
})

const freeze = (opts: Parameters<typeof createDatasetVersion>[1] = {}) => createDatasetVersion(studio.store, opts)
const versionCount = () => studio.store.datasets.versions().length

describe('a run reuses the latest dataset version when nothing changed', () => {
  it('same labels and split settings: the same version, nothing new written', () => {
    const v = freeze({ seed: 7 })
    expect(freeze({ seed: 7 })).toBe(v)
    expect(freeze({ seed: 7, fractions: { ...DEFAULT_FRACTIONS }, useOriginSplits: false })).toBe(v)
    expect(versionCount()).toBe(1)
    // Defaults spelled out are the same settings as defaults left out.
    const d = freeze()
    expect(d).not.toBe(v)
    expect(freeze({ seed: 42, fractions: { train: 0.7, val: 0.15, test: 0.15 } })).toBe(d)
  })

  it('another seed, other fractions or the origin-split setting make a new version', () => {
    const v = freeze({ seed: 7 })
    const seed = freeze({ seed: 8 })
    expect(seed).not.toBe(v)
    const fractions = freeze({ seed: 8, fractions: { train: 0.8, val: 0.1, test: 0.1 } })
    expect(fractions).not.toBe(seed)
    const origin = freeze({ seed: 8, fractions: { train: 0.8, val: 0.1, test: 0.1 }, useOriginSplits: true })
    expect(origin).not.toBe(fractions)
    expect(freeze({ seed: 8, fractions: { train: 0.8, val: 0.1, test: 0.1 }, useOriginSplits: true })).toBe(origin)
    expect(versionCount()).toBe(4)
  })

  it('a changed label, a renamed class or a newly labeled image make a new version', () => {
    const v = freeze()
    const items = studio.store.datasets.items(v)
    const ant = studio.labels.findClass('ant').id
    const notAnt = items.find((i) => studio.image(i.imageId).classId !== ant)!.imageId
    studio.labels.setLabels([notAnt], 'ant')
    const relabeled = freeze()
    expect(relabeled).not.toBe(v)
    expect(freeze()).toBe(relabeled)

    studio.labels.renameClass('ant', 'Ant')
    const renamed = freeze()
    expect(renamed).not.toBe(relabeled)
    expect(studio.store.datasets.version(renamed)!.classes.map((c) => c.name)).toEqual(['Ant', 'bee', 'wasp'])
    expect(studio.store.datasets.items(renamed)).toEqual(studio.store.datasets.items(relabeled))

    const unlabeled = studio.store.images.page({ unlabeled: true, limit: 1 }).items[0]!.id
    studio.labels.setLabels([unlabeled], 'bee')
    const added = freeze()
    expect(added).not.toBe(renamed)
    expect(studio.store.datasets.items(added)).toHaveLength(items.length + 1)
    expect(versionCount()).toBe(4)
  })
})
