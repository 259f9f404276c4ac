import fs from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { writeShapes } from '../../../main/cli/demo-shapes'
import { createDatasetVersion } from '../../../main/engine/datasets/versions'
import { Studio } from '../../../main/engine/studio'
import { selectBackend } from '../../../main/engine/training/backend'
import { makeBatch } from '../../../main/engine/training/batches'
import type { TrainEvent } from '../../../main/engine/training/events'
import { loadPixels } from '../../../main/engine/training/pixels'
import { tmpDir } from '../../helpers/fixtures'
import { trainInProcess } from '../../helpers/training'

// A split larger than the memory budget streams its rows from the disk cache instead of holding them.
const root = tmpDir()
let studio: Studio

beforeAll(async () => {
  await selectBackend('wasm')
  await writeShapes(path.join(root, 'shapes'), 10)
  studio = Studio.init(path.join(root, 'proj'))
  await studio.import(path.join(root, 'shapes'))
}, 60_000)

describe('decoded pixels: in memory or streamed from the disk cache', () => {
  it('a budget smaller than the set streams the same rows and batches', async () => {
    const v = createDatasetVersion(studio.store, { seed: 3 })
    const items = studio.store.datasets.items(v, 'train')
    const spec = { size: 24, fit: 'cover' as const }
    const held = await loadPixels(studio.project.paths, items, spec, () => {}, 4, Infinity)
    const streamed = await loadPixels(studio.project.paths, items, spec, () => {}, 4, 1000)
    expect(held.inMemory).toBe(true)
    expect(streamed.inMemory).toBe(false)
    expect(streamed.imageIds).toEqual(held.imageIds)
    expect(Array.from(streamed.labels)).toEqual(Array.from(held.labels))
    for (let i = 0; i < held.imageIds.length; i++)
      expect(Buffer.from(streamed.row(i)).equals(Buffer.from(held.row(i)))).toBe(true)
    const a = makeBatch(held, [2, 0, 5], 4, 'unit')
    const b = makeBatch(streamed, [2, 0, 5], 4, 'unit')
    expect(Array.from(b.xs.dataSync())).toEqual(Array.from(a.xs.dataSync()))
    for (const t of [a.xs, a.ys, b.xs, b.ys]) t.dispose()
    // A cache file that disappears under a streaming run is named in the error.
    const cache = path.join(studio.project.paths.cache, 'px-24-cover')
    const victim = items.find((i) => i.imageId === streamed.imageIds[1])!.hash
    fs.rmSync(path.join(cache, victim.slice(0, 2), `${victim}.rgb`))
    expect(() => streamed.row(1)).toThrow(
      new RegExp(`pixel cache file .*${victim}\\.rgb could not be read during training`),
    )
  })

  it('a run with STUDIO_PIXEL_MEMORY_MB=0 streams and trains exactly like one holding its pixels; a bad value is refused by name', async () => {
    const cfg = {
      epochs: 1,
      inputSize: 32,
      batchSize: 8,
      patience: null,
      augment: { flip: true, rotate: 10, crop: 0.1, brightness: 0.1, contrast: 0.1 },
    }
    const losses = (ev: TrainEvent[]) => ev.filter((e) => e.type === 'batch').map((e) => (e as { loss: number }).loss)
    const held: TrainEvent[] = []
    const streamed: TrainEvent[] = []
    await trainInProcess(studio, cfg, held)
    process.env.STUDIO_PIXEL_MEMORY_MB = '0'
    try {
      await trainInProcess(studio, cfg, streamed)
      expect(streamed.at(-1)).toMatchObject({ type: 'end', status: 'done' })
      expect(losses(streamed)).toEqual(losses(held))
      expect(streamed.find((e) => e.type === 'start')).toMatchObject({
        backendReason: expect.stringMatching(/training pixels stream from the disk cache/),
      })
      expect(held.find((e) => e.type === 'start')).toMatchObject({ backendReason: expect.not.stringMatching(/stream/) })
      process.env.STUDIO_PIXEL_MEMORY_MB = 'lots'
      const bad: TrainEvent[] = []
      await trainInProcess(studio, cfg, bad)
      expect(bad.at(-1)).toMatchObject({
        type: 'end',
        status: 'failed',
        error: expect.stringMatching(/STUDIO_PIXEL_MEMORY_MB must be a number of megabytes/),
      })
    } finally {
      delete process.env.STUDIO_PIXEL_MEMORY_MB
    }
  }, 120_000)
})
