import fs from 'node:fs'
import path from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeShapes } from '../../../main/cli/demo-shapes'
import { exportRun } from '../../../main/engine/export/bundle'
import { runPaths } from '../../../main/engine/runs'
import { Studio } from '../../../main/engine/studio'
import { selectBackend } from '../../../main/engine/training/backend'
import { withDefaults } from '../../../main/engine/training/config'
import { makeInputs } from '../../../main/engine/training/batches'
import { loadPixels } from '../../../main/engine/training/pixels'
import { loadClassifier, mirror } from '../../../main/engine/training/predict'
import { seedCnn } from '../../../main/engine/training/presets'
import { seedCnnMemory, seedCnnShape } from '../../../main/engine/training/presets/seed-cnn'
import { RECIPE_OFF } from '../../../main/engine/training/recipe'
import { tmpDir } from '../../helpers/fixtures'
import { trainInProcess } from '../../helpers/training'

// The seed CNN's batch normalization (recipe.ts batchNorm): the layers it adds, the checks, and a
// whole two-thread run whose stored predictions, plain and mirrored, are the saved model's (the
// threads predicted with the trainer's moving statistics).

const root = tmpDir()
let studio: Studio

beforeAll(async () => {
  await selectBackend('wasm')
  await writeShapes(path.join(root, 'shapes'), 8)
  studio = Studio.init(path.join(root, 'proj'))
  await studio.import(path.join(root, 'shapes'))
}, 60_000)

afterAll(() => studio.close())

const kinds = (m: tf.LayersModel) => m.layers.map((l) => l.getClassName())

describe('seed CNN batch normalization', () => {
  it('puts one after each pooling; off, the layers are the classic ones', () => {
    const on = seedCnn(28, 4, 1, RECIPE_OFF.dropout, 2, true)
    const off = seedCnn(28, 4, 1, RECIPE_OFF.dropout, 2)
    const pool = ['Conv2D', 'MaxPooling2D']
    expect(kinds(on)).toEqual([
      ...pool,
      'BatchNormalization',
      ...pool,
      'BatchNormalization',
      ...pool,
      'BatchNormalization',
      'Flatten',
      'Dense',
      'Dense',
    ])
    expect(kinds(off)).toEqual([...pool, ...pool, ...pool, 'Flatten', 'Dense', 'Dense'])
    expect(on.nonTrainableWeights).toHaveLength(6)
    on.dispose()
    off.dispose()
  })

  it('the memory check counts its normalized copies of the pooled maps', () => {
    const { sides } = seedCnnShape(28, 2)
    const pooled = sides.reduce((a, side, i) => a + Math.floor(side / 2) ** 2 * [32, 64, 128][i]!, 0)
    const on = seedCnnMemory(28, 32, 10, 2, true)
    const off = seedCnnMemory(28, 32, 10, 2)
    expect(on.perImage - off.perImage).toBe(pooled * 4 * 6)
    expect(on.fixed).toBeGreaterThan(off.fixed)
  })

  it('is off by default, and a bad value or a preset without own convolutions is refused by name', () => {
    expect(withDefaults({ preset: 'seed-cnn' }).batchNorm).toBe(false)
    expect(withDefaults({ preset: 'seed-cnn', batchNorm: true }).batchNorm).toBe(true)
    expect(() => withDefaults({ preset: 'seed-cnn', batchNorm: 'yes' as unknown as boolean })).toThrow(
      /batchNorm must be true or false \(got "yes"\)/,
    )
    expect(() => withDefaults({ preset: 'transfer', batchNorm: true })).toThrow(
      /batchNorm: the transfer preset has no convolutions of its own to normalize/,
    )
  })

  it('a two-thread run records it, stores what the saved model predicts, and its card says so', async () => {
    const id = await trainInProcess(studio, {
      preset: 'seed-cnn',
      inputSize: 28,
      epochs: 2,
      batchNorm: true,
      workers: 2,
      tta: 'on',
      calibration: 'off',
    })
    const run = studio.store.runs.get(id)!
    expect(run.error).toBeNull()
    expect(JSON.parse(run.config).batchNorm).toBe(true)
    expect(run.backendReason).toMatch(/2 worker/)
    const paths = runPaths(studio.root, id)
    const model = await loadClassifier(paths, null)
    const stored = studio.store.runs.predictions(id)
    expect(stored.length).toBeGreaterThanOrEqual(4)
    // The stored probabilities came from both threads; the saved model gives the same for every image.
    const split = (JSON.parse(run.summary!) as { split: 'test' | 'val' }).split
    const items = studio.store.datasets.items(run.datasetVersion, split)
    const set = await loadPixels(studio.project.paths, items, { size: 28, fit: 'cover' }, () => {})
    expect(set.imageIds.length).toBe(stored.length)
    // tta on: the mean of the image's and its mirror image's probabilities.
    const probs = tf.tidy(() => {
      const x = makeInputs(
        set,
        Array.from(set.imageIds, (_, i) => i),
        'unit',
      )
      return model
        .predict(x)
        .add(model.predict(mirror(x)))
        .div(2)
        .arraySync() as number[][]
    })
    set.imageIds.forEach((imageId, i) => {
      const p = stored.find((r) => r.imageId === imageId)!
      probs[i]!.forEach((v, k) => expect(Math.abs(v - p.probs[k]!)).toBeLessThan(1e-5))
    })
    model.dispose()
    const dir = exportRun(studio, id, path.join(root, 'export'), { zip: false, format: 'tfjs' }).dir
    const card = fs.readFileSync(path.join(dir, 'model-card.md'), 'utf8')
    expect(card).toMatch(/\| batch normalization \| after each of the 3 poolings \(moving mean and variance/)
  }, 120_000)
})
