import fs from 'node:fs'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { StudioEvent } from '../../preload/contract'
import { AppSession } from '../../main/engine/session'
import { writeShapes } from '../../main/engine/sample/shapes'
import { scoreRun } from '../../main/engine/quality/scoring'
import { predictImages } from '../../main/engine/training/predict'
import { tmpDir } from '../helpers/fixtures'
import { trainInProcess } from '../helpers/training'

/** Requests the UI added: class colour, the sample import, import errors by batch, and "try the model". */
describe('service requests for the UI', () => {
  const root = tmpDir()
  const events: StudioEvent[] = []
  let ended: () => void = () => {}
  const session = new AppSession({
    shell: 'browser',
    onEvent: (e) => {
      events.push(e)
      if (e.type === 'import-finished') ended()
    },
    recentFile: path.join(root, 'recent.json'),
  })
  const importEnd = () => new Promise<void>((resolve) => (ended = resolve))

  beforeAll(() => session.open(path.join(root, 'proj'), true))
  afterAll(() => session.close(true))

  it('imports the sample shapes (4 classes of 12) and removes the generated folder afterwards', async () => {
    const done = importEnd()
    expect(await session.api.importSample()).toEqual({ started: true })
    await done
    const stats = await session.api.stats()
    expect(stats).toMatchObject({ images: 48, classes: { circle: 12, cross: 12, square: 12, triangle: 12 } })
    const batch = session.studio!.store.imports.batches()[0]!
    await new Promise((r) => setTimeout(r, 10))
    expect(fs.existsSync(batch.source)).toBe(false)
  })

  it('recolours a class; refuses what is not #rrggbb', async () => {
    const [c] = await session.api.classes()
    expect(await session.api.setClassColor({ classId: c!.id, color: '#123abc' })).toMatchObject({
      id: c!.id,
      color: '#123abc',
    })
    expect((await session.api.classes())[0]!.color).toBe('#123abc')
    await expect(session.api.setClassColor({ classId: c!.id, color: 'red' })).rejects.toThrow(/rrggbb/)
  })

  it('names the import each error belongs to (folder and start time), so the page can group them', async () => {
    const src = path.join(root, 'bad')
    fs.mkdirSync(src)
    fs.writeFileSync(path.join(src, 'broken.jpg'), 'not an image')
    const done = importEnd()
    await session.api.startImport({ source: src })
    await done
    const errors = await session.api.importErrors()
    expect(errors).toEqual([
      {
        batch: expect.any(Number),
        path: 'broken.jpg',
        reason: expect.any(String),
        source: src,
        startedAt: expect.any(String),
      },
    ])
    expect(Date.parse(errors[0]!.startedAt)).not.toBeNaN()
  })

  it('predicts dropped file bytes and project images like studio predict does', async () => {
    const studio = session.studio!
    const runId = await trainInProcess(studio, { epochs: 1, inputSize: 32 })
    const shapes = path.join(root, 'try')
    await writeShapes(shapes, 1, 7)
    const file = path.join(shapes, 'square', 'square-0000.jpg')
    const [fromFile] = await session.api.predict({
      runId,
      files: [{ name: 'mine.jpg', dataBase64: fs.readFileSync(file).toString('base64') }],
    })
    const [expected] = await predictImages(studio, runId, [file])
    expect(fromFile!.name).toBe('mine.jpg')
    expect(fromFile!.label).toBe(expected!.label)
    expect(fromFile!.confidence).toBeCloseTo(expected!.confidence, 5)
    expect(fromFile!.classes.map((c) => c.name)).toEqual(Object.keys(expected!.probabilities))
    const sum = fromFile!.classes.reduce((a, c) => a + c.probability, 0)
    expect(sum).toBeCloseTo(1, 4)
    const img = studio.store.images.page({ limit: 1 }).items[0]!
    const [fromProject] = await session.api.predict({ runId, imageIds: [img.id] })
    expect(fromProject!.name).toBe(img.originalName)
    // Not an image: a clear refusal naming the file.
    const text = Buffer.from('hello').toString('base64')
    await expect(session.api.predict({ runId, files: [{ name: 'notes.txt', dataBase64: text }] })).rejects.toThrow(
      /notes\.txt is not an image/,
    )
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#fff' } })
      .png()
      .toBuffer()
    expect(
      await session.api.predict({ runId, files: [{ name: 'x.png', dataBase64: png.toString('base64') }] }),
    ).toHaveLength(1)
  }, 120_000)

  it('evaluates another split of the run once it has scored every image', async () => {
    const studio = session.studio!
    const runId = studio.store.runs.list().at(-1)!.id
    const own = await session.api.evaluation({ runId })
    expect(own.splits.filter((x) => x.available).map((x) => x.split)).toEqual([own.split])
    const other = own.split === 'train' ? 'val' : 'train'
    await expect(session.api.evaluation({ runId, split: other })).rejects.toThrow(/score every image first/)
    await scoreRun(studio, runId)
    const ev = await session.api.evaluation({ runId, split: other })
    expect(ev.split).toBe(other)
    expect(ev.splits.every((x) => x.available)).toBe(true)
    const version = studio.store.runs.get(runId)!.datasetVersion
    expect(ev.count).toBe(studio.store.datasets.items(version, other).length)
    expect(ev.confusion.flat().reduce((a, b) => a + b, 0)).toBe(ev.count)
    // A cell of that split lists exactly its count of images.
    const cell = await session.api.confusionCell({ runId, trueIndex: 0, predIndex: 0, split: other })
    expect(cell).toHaveLength(ev.confusion[0]![0]!)
    // Asking for the run's own split is the stored evaluation.
    expect((await session.api.evaluation({ runId, split: own.split as 'train' })).accuracy).toBe(own.accuracy)
  }, 120_000)

  it('names an image training could not read by its file, not its id', async () => {
    const studio = session.studio!
    const img = studio.store.images.page({ limit: 1 }).items[0]!
    fs.rmSync(studio.originalPath(img))
    fs.rmSync(path.join(studio.root, 'cache'), { recursive: true, force: true })
    let finished: () => void = () => {}
    const end = new Promise<void>((resolve) => (finished = resolve))
    const seen = events.length
    const watch = setInterval(() => {
      if (events.slice(seen).some((e) => e.type === 'train-status' && e.status !== 'running')) finished()
    }, 50)
    await session.api.startTraining({ epochs: 1, inputSize: 32 })
    await end
    clearInterval(watch)
    const messages = events.slice(seen).flatMap((e) => (e.type === 'train-status' && e.message ? [e.message] : []))
    expect(messages).toContainEqual(expect.stringMatching(new RegExp(`^${img.relPath}: `)))
    expect(messages.join('\n')).not.toMatch(/image \d+:/)
  }, 120_000)

  it('refuses to predict with a run that does not exist', async () => {
    await expect(session.api.predict({ runId: 999, imageIds: [] })).rejects.toThrow(/run 999 does not exist/)
  })
})
