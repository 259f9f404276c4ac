import fs from 'node:fs'
import path from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import sharp from 'sharp'
import type { StudioEvent } from '../../../preload/contract'
import { exportRun } from '../../../main/engine/export/bundle'
import { healthReport } from '../../../main/engine/health/report'
import { dataChecksOf } from '../../../main/engine/quality/card'
import { labelQueue } from '../../../main/engine/quality/queue'
import { scoreRun } from '../../../main/engine/quality/scoring'
import { balancedOrder, rankByUncertainty, uncertainty, UNCERTAINTIES } from '../../../main/engine/quality/uncertainty'
import { StudioService } from '../../../main/engine/service'
import { Studio } from '../../../main/engine/studio'
import { selectBackend } from '../../../main/engine/training/backend'
import { predictImages } from '../../../main/engine/training/predict'
import { tmpDir } from '../../helpers/fixtures'
import { trainInProcess } from '../../helpers/training'
import { jobFinished, tintedScene, writeTintedSet } from './fixtures'

// Two tiny seed-CNN runs over 24 labeled and 6 unlabeled images: scoring reaches every image
// (all splits, unlabeled too) with the model's own probabilities; the queue follows uncertainty.ts.
const root = tmpDir()
const events: StudioEvent[] = []
let studio: Studio
let service: StudioService
let runA = 0
let runB = 0

interface StoredScore {
  imageId: number
  predIndex: number
  confidence: number
  margin: number
  entropy: number
  probs: Float32Array
}
function stored(runId: number): StoredScore[] {
  const rows = studio.project.db
    .prepare(
      `SELECT image_id AS imageId, pred_index AS predIndex, confidence, margin, entropy, probs FROM scores
      WHERE run_id = ? ORDER BY image_id`,
    )
    .all(runId) as (Omit<StoredScore, 'probs'> & { probs: Buffer })[]
  return rows.map((r) => ({ ...r, probs: new Float32Array(new Uint8Array(r.probs).buffer) }))
}

beforeAll(async () => {
  await selectBackend('wasm')
  await writeTintedSet(path.join(root, 'src'), 8)
  for (let i = 0; i < 6; i++)
    await tintedScene(path.join(root, 'new', `new-${i}.jpg`), ['red', 'green', 'blue'][i % 3]!, 7000 + i)
  studio = Studio.init(path.join(root, 'proj'))
  await studio.import(path.join(root, 'src'))
  await studio.import(path.join(root, 'new'), { layout: 'flat' })
  const cfg = { epochs: 2, inputSize: 24, batchSize: 8, patience: null, workers: 1 }
  runA = await trainInProcess(studio, cfg)
  runB = await trainInProcess(studio, { ...cfg, seed: 7 })
  service = new StudioService(studio, (e) => events.push(e), null)
}, 120_000)

describe('scoring every image with a finished run', () => {
  it('refuses what cannot score before any job starts', async () => {
    await expect(service.startScoring({ runId: 99 })).rejects.toThrow(/run 99 does not exist/)
    const failed = studio.store.runs.create({
      datasetVersion: 1,
      preset: 'seed-cnn',
      config: '{}',
      createdAt: new Date().toISOString(),
      pid: 1,
    })
    studio.store.runs.finish(failed, 'failed', new Date().toISOString(), 'boom')
    await expect(service.startScoring({ runId: failed })).rejects.toThrow(/only a finished run can score images/)
    expect(service.jobs.isRunning('score')).toBe(false)
  })

  it('as a job in a worker thread: every image, labeled and unlabeled, in every split; the lens shows them', async () => {
    const train = await service.images({ runId: runA, split: 'train' })
    expect(train.items.every((i) => i.prediction === null)).toBe(true)
    expect(await service.startScoring({ runId: runA })).toEqual({ started: true })
    await expect(service.startScoring({ runId: runA })).rejects.toThrow(/a score job is already running/)
    expect((await jobFinished(events, 'score')).status).toBe('done')
    const progress = events.filter((e) => e.type === 'job-progress' && e.kind === 'score')
    expect(progress.at(-1)).toMatchObject({ done: 30, total: 30 })
    expect(stored(runA)).toHaveLength(30)
    const lens = await service.images({ runId: runA, split: 'train' })
    expect(lens.items.length).toBeGreaterThan(0)
    expect(lens.items.every((i) => i.prediction !== null)).toBe(true)
    const unlabeled = await service.images({ runId: runA, unlabeled: true })
    expect(unlabeled.items.map((i) => i.prediction?.classId ?? null)).not.toContain(null)
    // Lens filters count scored images of every split, not only the evaluation split.
    const byClass = await Promise.all(
      studio.labels.classes().map((c) => service.images({ runId: runA, predictedClassIds: [c.id], count: true })),
    )
    expect(byClass.reduce((n, p) => n + p.total!, 0)).toBe(30)
  })

  it("stores the model's own probabilities, confidence, margin and normalised entropy", async () => {
    const scores = stored(runA)
    const picks = [studio.image('red/red-00.jpg').id, studio.image('new-2.jpg').id]
    const predicted = await predictImages(studio, runA, picks.map(String))
    const names = studio.store.datasets.version(studio.store.runs.get(runA)!.datasetVersion)!.classes.map((c) => c.name)
    picks.forEach((id, n) => {
      const s = scores.find((x) => x.imageId === id)!
      names.forEach((name, j) => expect(s.probs[j]).toBeCloseTo(predicted[n]!.probabilities[name]!, 5))
    })
    for (const s of scores) {
      const sorted = [...s.probs].sort((a, b) => b - a)
      expect(s.confidence).toBeCloseTo(sorted[0]!, 6)
      expect(s.probs[s.predIndex]).toBeCloseTo(sorted[0]!, 6)
      expect(s.margin).toBeCloseTo(sorted[0]! - sorted[1]!, 6)
      expect(s.entropy).toBeCloseTo(uncertainty(s.probs, 'entropy'), 6)
    }
  })

  it('in process: streams in chunks, cancels keeping what it wrote, continues after, leaks no tensors', async () => {
    const tensors = tf.memory().numTensors
    const controller = new AbortController()
    const cut = scoreRun(studio, runB, {
      batchSize: 8,
      signal: controller.signal,
      onProgress: (done) => done >= 8 && controller.abort(),
    })
    await expect(cut).rejects.toThrow()
    const partial = stored(runB).length
    expect(partial).toBeGreaterThanOrEqual(8)
    expect(partial).toBeLessThan(30)
    const rest = await scoreRun(studio, runB, { batchSize: 8 })
    expect(rest).toMatchObject({ runId: runB, scored: 30 - partial, kept: partial, problems: [] })
    expect(stored(runB)).toHaveLength(30)
    expect(tf.memory().numTensors).toBe(tensors)
  })
})

describe('label next', () => {
  it('orders the unlabeled images of the newest scored run by each uncertainty measure, balanced over classes', () => {
    const names = studio.store.datasets.version(studio.store.runs.get(runB)!.datasetVersion)!.classes.map((c) => c.name)
    const unlabeled = stored(runB).filter((s) => studio.image(s.imageId).classId === null)
    expect(unlabeled).toHaveLength(6)
    for (const by of UNCERTAINTIES) {
      const q = labelQueue(studio, by, 4)
      expect(q).toMatchObject({ runId: runB, by, remaining: 6 })
      expect(q.source).toBe(`run ${runB} (seed-cnn, 30 images scored)`)
      const expected = balancedOrder(
        rankByUncertainty(
          unlabeled.map((s) => s.probs),
          by,
        ).map((i) => unlabeled[i]!),
        (s) => s.predIndex,
      )
      expect(q.items.map((i) => i.imageId)).toEqual(expected.slice(0, 4).map((s) => s.imageId))
      q.items.forEach((item, i) => {
        expect(item.uncertainty).toBeCloseTo(uncertainty(expected[i]!.probs, by), 5)
        expect(item.suggested).toBe(names[expected[i]!.predIndex])
      })
    }
  })

  it('labeling an image takes it out of the queue', async () => {
    const first = labelQueue(studio, 'margin', 1).items[0]!
    await service.setLabels({ imageIds: [first.imageId], classId: first.suggestedClassId! })
    const q = await service.labelQueue({})
    expect(q.remaining).toBe(5)
    expect(q.items.map((i) => i.imageId)).not.toContain(first.imageId)
  })
})

describe('model card', () => {
  it('has a Data checks section', () => {
    const dir = path.join(root, 'export')
    exportRun(studio, runA, dir, { zip: false })
    const card = fs.readFileSync(path.join(dir, 'model-card.md'), 'utf8')
    expect(card).toContain('## Data checks')
    expect(card).toMatch(/\*\*Label check\*\*: not run/)
  })

  it('lists what the last health report found: groups as groups, and findings without images too', async () => {
    // A smaller, re-encoded copy of a labeled image (a near-duplicate group of two), a file that is
    // not an image (skipped at import) and a class without images.
    fs.mkdirSync(path.join(root, 'copy'), { recursive: true })
    await sharp(path.join(root, 'src', 'red', 'red-00.jpg'))
      .resize(40)
      .jpeg({ quality: 70 })
      .toFile(path.join(root, 'copy', 'copy.jpg'))
    fs.writeFileSync(path.join(root, 'copy', 'notes.txt'), 'not a picture')
    await studio.import(path.join(root, 'copy'), { layout: 'flat' })
    studio.labels.ensureClass('nothing-yet')
    const dir = path.join(root, 'export-health')
    exportRun(studio, runA, dir, { zip: false })
    const before = fs.readFileSync(path.join(dir, 'model-card.md'), 'utf8')
    expect(before).toMatch(/\*\*Health report\*\*: no findings stored/)

    const report = await healthReport(studio, {}, null)
    const copy = studio.image('copy.jpg').id
    const dups = report.findings.find((f) => f.kind === 'near-duplicate')
    expect(dups?.groups).toHaveLength(1)
    expect(dups?.groups?.[0]).toContain(copy)
    const health = dataChecksOf(studio, '9999').health
    expect(health.map((h) => h.kind)).toEqual(report.findings.map((f) => f.kind))
    expect(health).toEqual(
      expect.arrayContaining([
        { kind: 'near-duplicate', count: 1, unit: 'group', images: 2 },
        { kind: 'empty-class', count: 1, unit: 'class', images: 0 },
        { kind: 'skipped-not-image', count: 1, unit: 'file', images: 0 },
      ]),
    )
    fs.rmSync(dir, { recursive: true })
    exportRun(studio, runA, dir, { zip: false })
    const card = fs.readFileSync(path.join(dir, 'model-card.md'), 'utf8')
    const line = card.split('\n').find((l) => l.startsWith('- **Health report** (the last one computed)'))
    expect(line).toContain('near-duplicate 1 group (2 images)')
    expect(line).toContain('empty-class 1 class,')
    expect(line).toMatch(/skipped-not-image 1 file[,.]/)
  })
})
