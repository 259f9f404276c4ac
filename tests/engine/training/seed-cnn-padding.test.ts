import fs from 'node:fs'
import path from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeShapes } from '../../../main/cli/demo-shapes'
import { exportRun } from '../../../main/engine/export/bundle'
import { Studio } from '../../../main/engine/studio'
import { cnnEpochSeconds, SEED_CNN_MACS_PER_CORE } from '../../../main/engine/training/auto'
import { selectBackend } from '../../../main/engine/training/backend'
import { withDefaults } from '../../../main/engine/training/config'
import { loadModel } from '../../../main/engine/training/model-io'
import { seedCnn } from '../../../main/engine/training/presets'
import { gridPadding, seedCnnMemory, seedCnnShape } from '../../../main/engine/training/presets/seed-cnn'
import { RECIPE_OFF } from '../../../main/engine/training/recipe'
import { tmpDir } from '../../helpers/fixtures'
import { trainInProcess } from '../../helpers/training'

// The seed CNN's zero-padded convolutions (recipe.ts samePadding): the model they build, the shape
// arithmetic the defaults, memory check and Auto's estimate use, and a whole run.

const root = tmpDir()
let studio: Studio

beforeAll(async () => {
  await selectBackend('wasm')
  await writeShapes(path.join(root, 'shapes'), 6)
  studio = Studio.init(path.join(root, 'proj'))
  await studio.import(path.join(root, 'shapes'))
}, 60_000)

afterAll(() => studio.close())

const convs = (m: tf.LayersModel) => m.layers.filter((l) => l.getClassName() === 'Conv2D')

describe('seed CNN padding', () => {
  it('pads the last n convolutions, and seedCnnShape says what the model is', () => {
    for (const size of [24, 28, 32, 38, 64])
      for (const n of [0, 1, 2, 3]) {
        const shape = seedCnnShape(size, n)
        if (shape.grid < 1) continue
        const m = seedCnn(size, 10, 1, RECIPE_OFF.dropout, n)
        const c = convs(m)
        expect(c.map((l) => (l.getConfig() as { padding: string }).padding)).toEqual(
          [0, 1, 2].map((i) => (i >= 3 - n ? 'same' : 'valid')),
        )
        expect(c.map((l) => (l.outputShape as number[])[1])).toEqual(shape.sides)
        const flat = m.layers.find((l) => l.getClassName() === 'Flatten')!
        expect((flat.outputShape as number[])[1]).toBe(shape.grid * shape.grid * 128)
        // Multiply-adds of the forward pass: each convolution's outputs × its 3×3×Cin taps, and the dense layer.
        const macs =
          c.reduce((a, l) => {
            const [, h, w, f] = l.outputShape as number[]
            const cin = (l.getWeights()[0]!.shape as number[])[2]!
            return a + h! * w! * f! * 9 * cin
          }, 0) +
          shape.grid * shape.grid * 128 * 512
        expect(shape.macs).toBe(macs)
        m.dispose()
      }
    expect(() => seedCnn(28, 10, 1, RECIPE_OFF.dropout, 4)).toThrow(/samePadding must be a whole number from 0 to 3/)
  })

  it('by default pads the fewest convolutions that leave a 3×3 grid', () => {
    expect([24, 26, 28, 30, 32, 36, 38, 64].map(gridPadding)).toEqual([3, 2, 2, 1, 1, 1, 0, 0])
    for (const size of [24, 28, 32, 38]) expect(seedCnnShape(size, gridPadding(size)).grid).toBe(3)
    // The classic layers at 28 px end on 1×1.
    expect(seedCnnShape(28, 0).grid).toBe(1)
    expect(withDefaults({ preset: 'seed-cnn', inputSize: 28 }).samePadding).toBe(2)
    expect(withDefaults({ preset: 'seed-cnn', inputSize: 32 }).samePadding).toBe(1)
    expect(withDefaults({ preset: 'seed-cnn' }).samePadding).toBe(0)
    expect(withDefaults({ preset: 'seed-cnn', inputSize: 28, samePadding: 0 }).samePadding).toBe(0)
    // The rest of the preset's recipe stays.
    expect(withDefaults({ preset: 'seed-cnn', inputSize: 28 })).toMatchObject({
      schedule: 'onecycle',
      weightDecay: 0.05,
    })
  })

  it('a bad value is refused by name; presets without own convolutions have none to pad', () => {
    for (const bad of [-1, 4, 1.5, NaN, '2'])
      expect(() => withDefaults({ preset: 'seed-cnn', samePadding: bad as number })).toThrow(
        /samePadding must be a whole number from 0 to 3/,
      )
    expect(() => withDefaults({ preset: 'transfer', samePadding: 1 })).toThrow(
      /samePadding: the transfer preset has no convolutions of its own to pad/,
    )
    expect(withDefaults({ preset: 'transfer' }).samePadding).toBe(0)
  })

  it('memory and Auto’s time estimate follow the padded shape', () => {
    expect(seedCnnMemory(28, 32, 10, 2).bytes).toBeGreaterThan(seedCnnMemory(28, 32, 10, 0).bytes)
    const ratio = cnnEpochSeconds(1000, 28, 2, 2) / cnnEpochSeconds(1000, 28, 2, 0)
    expect(ratio).toBeCloseTo(seedCnnShape(28, 2).macs / seedCnnShape(28, 0).macs, 9)
    expect(cnnEpochSeconds(1000, 28, 2)).toBe(cnnEpochSeconds(1000, 28, 2, 2))
    expect(cnnEpochSeconds(1000, 32, 1, 0)).toBeCloseTo((1000 * seedCnnShape(32, 0).macs) / SEED_CNN_MACS_PER_CORE, 9)
  })

  it('a run records it, trains the padded model, and its card says so', async () => {
    const id = await trainInProcess(studio, {
      preset: 'seed-cnn',
      inputSize: 28,
      epochs: 1,
      tta: 'off',
      calibration: 'off',
    })
    const run = studio.store.runs.get(id)!
    expect(run.error).toBeNull()
    expect(JSON.parse(run.config).samePadding).toBe(2)
    const m = await loadModel(path.join(studio.root, 'runs', String(id), 'model'))
    expect(convs(m).map((l) => (l.getConfig() as { padding: string }).padding)).toEqual(['valid', 'same', 'same'])
    m.dispose()
    const dir = exportRun(studio, id, path.join(root, 'export'), { zip: false, format: 'tfjs' }).dir
    const card = fs.readFileSync(path.join(dir, 'model-card.md'), 'utf8')
    expect(card).toMatch(
      /\| convolution padding \| the last 2 of the 3 convolutions zero-padded \('same'\), the others 'valid' \|/,
    )
    expect(card).toMatch(/\| learning-rate schedule \| one-cycle, peak 0\.003 \|/)
    expect(card).toMatch(/\| weight decay \| decoupled \(AdamW-style\), 0\.05 \|/)
    expect(card).toMatch(/\| dropout \| none \|/)
  }, 120_000)
})
