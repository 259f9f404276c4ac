import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { createDatasetVersion } from '../../../main/engine/datasets/versions'
import type { ImageFilter, PageRequest } from '../../../main/engine/store'
import { StudioService } from '../../../main/engine/service'
import { Studio } from '../../../main/engine/studio'
import { tmpDir } from '../../helpers/fixtures'
import { insertSyntheticImages } from '../../helpers/synthetic'

// Split and prediction filters (the browse view's "run lens") and random access by offset.
let studio: Studio
let version: number
let runId: number
/** image id → [predicted class id, confidence] as stored for the run. */
const predicted = new Map<number, [number, number]>()

const ids = (req: PageRequest) => studio.store.images.page({ limit: 1000, ...req }).items.map((i) => i.id)

beforeAll(() => {
  studio = Studio.init(path.join(tmpDir(), 'p'))
  insertSyntheticImages(studio, 300)
  version = createDatasetVersion(studio.store, { seed: 7 })
  const v = studio.store.datasets.version(version)!
  runId = studio.store.runs.create({
    datasetVersion: version,
    preset: 'seed-cnn',
    config: '{}',
    createdAt: 'now',
    pid: 1,
  })
  // The run "predicts" its test images: right for even ids, the next class for odd ones.
  const test = studio.store.datasets.items(version, 'test')
  studio.store.runs.replacePredictions(
    runId,
    test.map((it) => {
      const pred = it.imageId % 2 ? (it.classIndex + 1) % v.classes.length : it.classIndex
      const confidence = (it.imageId % 10) / 10 + 0.05
      predicted.set(it.imageId, [v.classes[pred]!.id, confidence])
      const probs = new Float32Array(v.classes.length)
      probs[pred] = confidence
      return { imageId: it.imageId, trueIndex: it.classIndex, predIndex: pred, confidence, probs }
    }),
  )
})

describe('browse filters over splits and a run’s predictions', () => {
  it('split keeps exactly the images of that split of the version (or of the run’s version)', () => {
    for (const split of ['train', 'val', 'test'] as const) {
      const want = studio.store.datasets.items(version, split).map((i) => i.imageId)
      expect(ids({ split, versionId: version })).toEqual(want)
      expect(ids({ split, runId })).toEqual(want)
      expect(studio.store.images.count({ split, versionId: version })).toBe(want.length)
    }
    expect(() => ids({ split: 'val' })).toThrow(/split needs versionId or runId/)
  })

  it('predicted class, correct / incorrect and a confidence range match the stored predictions', () => {
    const classes = studio.labels.classes()
    const label = new Map(studio.store.images.page({ limit: 1000 }).items.map((i) => [i.id, i.classId]))
    const want = (f: (id: number, cls: number, conf: number) => boolean) =>
      [...predicted]
        .filter(([id, [cls, conf]]) => f(id, cls, conf))
        .map(([id]) => id)
        .sort((a, b) => a - b)
    const cases: [ImageFilter, (id: number, cls: number, conf: number) => boolean][] = [
      [{ predictedClassIds: [classes[1]!.id] }, (_, cls) => cls === classes[1]!.id],
      [{ correct: true }, (id, cls) => cls === label.get(id)],
      [{ correct: false }, (id, cls) => cls !== label.get(id)],
      [{ minConfidence: 0.5 }, (_, __, c) => c >= 0.5],
      [
        { minConfidence: 0.2, maxConfidence: 0.6, correct: false },
        (id, cls, c) => c >= 0.2 && c <= 0.6 && cls !== label.get(id),
      ],
    ]
    for (const [filter, f] of cases) {
      const expected = want(f)
      expect(expected.length).toBeGreaterThan(0)
      expect(ids({ ...filter, runId })).toEqual(expected)
      expect(studio.store.images.count({ ...filter, runId })).toBe(expected.length)
    }
    expect(() => ids({ correct: true })).toThrow(/need runId/)
  })

  it('"correct" follows the current label: fixing a label moves the image out of the mistakes', () => {
    const wrong = ids({ runId, correct: false })[0]!
    studio.labels.setLabels([wrong], predicted.get(wrong)![0])
    expect(ids({ runId, correct: false })).not.toContain(wrong)
    expect(ids({ runId, correct: true })).toContain(wrong)
  })

  it('offset gives random access that agrees with cursor paging, and refuses a cursor alongside', () => {
    const everything = ids({ sort: 'name', order: 'desc' })
    for (const offset of [0, 1, 137, 250, 299]) {
      expect(
        studio.store.images.page({ sort: 'name', order: 'desc', offset, limit: 10 }).items.map((i) => i.id),
      ).toEqual(everything.slice(offset, offset + 10))
    }
    expect(studio.store.images.page({ offset: 300 }).items).toEqual([])
    const cursor = studio.store.images.page({ limit: 5 }).nextCursor
    expect(() => studio.store.images.page({ offset: 5, cursor })).toThrow(/either cursor or offset/)
    expect(() => studio.store.images.page({ offset: -1 })).toThrow(/offset/)
  })

  it('the service attaches the run’s prediction to each image it predicted', async () => {
    const service = new StudioService(studio, () => {})
    const page = await service.images({ runId, limit: 1000 })
    const withPred = page.items.filter((i) => i.prediction)
    expect(withPred.length).toBe(predicted.size)
    for (const i of withPred) expect([i.prediction!.classId, i.prediction!.confidence]).toEqual(predicted.get(i.id))
    expect(page.items.find((i) => !predicted.has(i.id))!.prediction).toBeNull()
    expect(page.total).toBe(300)
    // Pages after the first skip the count.
    expect((await service.images({ offset: 200, count: false })).total).toBeNull()
    expect((await service.facets()).versions).toEqual([expect.objectContaining({ id: version, test: predicted.size })])
  })
})

describe('lens counts', () => {
  it('count every lens filter on predicted class and correctness as the pages do, scores and predictions mixed', () => {
    // Scores for every second image, unlabeled ones included (the rest keep the run’s test predictions).
    const v = studio.store.datasets.version(version)!
    const k = v.classes.length
    studio.store.quality.insertScores(
      runId,
      studio.store.images
        .page({ limit: 1000 })
        .items.filter((i) => i.id % 2 === 0)
        .map((i) => {
          const predIndex = (i.id * 7) % (k + 1) // k: an index past the version's classes (no class)
          return { imageId: i.id, predIndex, confidence: 0.5, margin: 0.1, entropy: 0.5, probs: new Float32Array(k) }
        }),
    )
    const classes = studio.labels.classes()
    const filters: ImageFilter[] = []
    for (const correct of [undefined, true, false])
      for (const predictedClassIds of [undefined, [classes[0]!.id], [classes[1]!.id, classes[2]!.id]])
        for (const cls of [
          {},
          { classIds: [classes[1]!.id] },
          { unlabeled: true },
          { classIds: [classes[0]!.id], unlabeled: true },
        ])
          if (correct !== undefined || predictedClassIds) filters.push({ runId, correct, predictedClassIds, ...cls })
    const check = () => {
      for (const f of filters) {
        const n = ids(f).length
        expect(studio.store.images.count(f), JSON.stringify(f)).toBe(n)
        // With paging fields, as the service passes its request.
        expect(studio.store.images.count({ ...f, sort: 'name', limit: 5 } as ImageFilter)).toBe(n)
      }
    }
    check()
    expect(ids({ runId, correct: false }).length).toBeGreaterThan(0)
    // A label change moves images between correct and incorrect: the counts follow.
    const wrong = ids({ runId, correct: false }).slice(0, 5)
    studio.labels.setLabels(wrong, classes[0]!.id)
    check()
  })
})
