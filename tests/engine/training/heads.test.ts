import fs from 'node:fs'
import path from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeShapes } from '../../../main/cli/demo-shapes'
import { exportRun } from '../../../main/engine/export/bundle'
import { Studio } from '../../../main/engine/studio'
import { selectBackend } from '../../../main/engine/training/backend'
import { withDefaults } from '../../../main/engine/training/config'
import { loadModel } from '../../../main/engine/training/model-io'
import { predictImages } from '../../../main/engine/training/predict'
import { averageHeads, transferHead } from '../../../main/engine/training/transfer'
import { HEADS_AVERAGED } from '../../../main/engine/training/transfer-recipe'
import { tmpDir } from '../../helpers/fixtures'
import { writeTinyMobileNet } from '../../helpers/tiny-mobilenet'
import { trainInProcess } from '../../helpers/training'

// Averaged heads (transfer-recipe.ts `heads`, transfer.ts averageHeads): more heads trained on the
// same cached features from other seeds, their weights averaged into the run's one head.

const root = tmpDir()
const models = path.join(root, 'models')
let studio: Studio

beforeAll(async () => {
  await selectBackend('wasm')
  await writeTinyMobileNet(models, 'tiny')
  await writeShapes(path.join(root, 'shapes'), 6)
  studio = Studio.init(path.join(root, 'proj'))
  await studio.import(path.join(root, 'shapes'))
  process.env.STUDIO_MODELS_DIR = models
}, 60_000)

afterAll(() => {
  delete process.env.STUDIO_MODELS_DIR
  studio.close()
})

const base = { preset: 'transfer', backbone: 'tiny', inputSize: 32, epochs: 6, tta: 'off', calibration: 'off' } as const

describe('averaged heads', () => {
  it('default to 5 for the transfer preset, 1 with fine-tuning; a bad value is refused by name', () => {
    expect(HEADS_AVERAGED).toBe(5)
    expect(withDefaults(base).heads).toBe(5)
    expect(withDefaults({ ...base, fineTune: { blocks: 1 } as never }).heads).toBe(1)
    expect(withDefaults({ ...base, heads: 1 }).heads).toBe(1)
    expect(withDefaults({ preset: 'seed-cnn' }).heads).toBe(1)
    expect(() => withDefaults({ ...base, heads: 3, fineTune: { blocks: 1 } as never })).toThrow(
      /heads and fineTune cannot both be on \(set heads to 1 to fine-tune\)/,
    )
    for (const bad of [0, 11, 2.5, NaN, '3'])
      expect(() => withDefaults({ ...base, heads: bad as number })).toThrow(/heads must be a whole number from 1 to 10/)
    expect(() => withDefaults({ preset: 'seed-cnn', heads: 2 })).toThrow(
      /heads: the seed-cnn preset trains no head on cached features/,
    )
  })

  it('average the weights of the run’s head and each member, trained with its own seed', async () => {
    const model = transferHead(4, 3, 1)
    model.setWeights(model.getWeights().map((w) => tf.fill(w.shape, 1)))
    const seeds: number[] = []
    const run = {
      model,
      state: { epoch: 7, bestEpoch: 4, bestValLoss: 0.5, wait: 3 },
      cancelled: () => false,
      // Member k ends holding k + 1 everywhere.
      trainMember: async (m: tf.LayersModel, seed: number) => {
        seeds.push(seed)
        m.setWeights(m.getWeights().map((w) => tf.fill(w.shape, seeds.length + 1)))
        return 'done' as const
      },
    }
    const built: number[] = []
    const build = (s: number) => (built.push(s), transferHead(4, 3, s))
    expect(await averageHeads(run, 4, build, 42)).toBe('done')
    expect(seeds).toHaveLength(3)
    expect(new Set(seeds).size).toBe(3)
    expect(built).toEqual(seeds)
    expect(seeds).not.toContain(42)
    // (1 + 2 + 3 + 4) / 4
    for (const w of model.getWeights()) expect(Array.from(w.dataSync()).every((v) => v === 2.5)).toBe(true)
    // The averaged weights are the ones the run keeps: finalize does not restore the best epoch over them.
    expect(run.state.bestEpoch).toBe(7)
    model.dispose()
  })

  it('stop at a cancel without touching the run’s head', async () => {
    const model = transferHead(4, 3, 1)
    const before = model.getWeights().map((w) => Array.from(w.dataSync()))
    let calls = 0
    let cancelled = false
    const run = {
      model,
      state: { epoch: 3, bestEpoch: 2, bestValLoss: 0.5, wait: 1 },
      cancelled: () => cancelled,
      trainMember: async () => {
        calls++
        cancelled = true
        return 'cancelled' as const
      },
    }
    const tensors = tf.memory().numTensors
    expect(await averageHeads(run, 5, (s) => transferHead(4, 3, s), 1)).toBe('cancelled')
    expect(calls).toBe(1)
    expect(model.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(before)
    expect(run.state.bestEpoch).toBe(2)
    expect(tf.memory().numTensors).toBe(tensors)
    model.dispose()
  })

  it('a run trains and averages them, records them, and its saved model predicts what it stored', async () => {
    const one = await trainInProcess(studio, { ...base, heads: 1 })
    const three = await trainInProcess(studio, { ...base, heads: 3 })
    const runs = [one, three].map((id) => studio.store.runs.get(id)!)
    for (const r of runs) expect(r.error).toBeNull()
    expect(JSON.parse(runs[1]!.config).heads).toBe(3)
    expect(runs[1]!.backendReason).toMatch(/; 3 heads from different seeds, averaged/)
    expect(runs[0]!.backendReason).not.toMatch(/heads/)
    // Same seed, same first head: averaging with two more heads changes the weights the run keeps.
    const kernel = async (id: number) => {
      const m = await loadModel(path.join(studio.root, 'runs', String(id), 'model'))
      const k = Array.from(m.layers.at(-1)!.getWeights()[0]!.dataSync())
      m.dispose()
      return k
    }
    const [k1, k3] = [await kernel(one), await kernel(three)]
    expect(k3).toHaveLength(k1.length)
    expect(k3.some((v, i) => Math.abs(v - k1[i]!) > 1e-4)).toBe(true)
    // The run's epoch log is the first head's; the members add none.
    expect(studio.store.runs.epochs(three).length).toBeLessThanOrEqual(base.epochs)

    const preds = studio.store.runs.predictions(three).slice(0, 4)
    const files = preds.map((p) => studio.originalPath(studio.image(p.imageId)))
    const fromFiles = await predictImages(studio, three, files)
    const classes = studio.store.datasets.version(runs[1]!.datasetVersion)!.classes.map((c) => c.name)
    preds.forEach((p, i) =>
      classes.forEach((c, k) => expect(Math.abs(fromFiles[i]!.probabilities[c]! - p.probs[k]!)).toBeLessThan(1e-4)),
    )
    const dir = exportRun(studio, three, path.join(root, 'export'), { zip: false, format: 'tfjs' }).dir
    expect(fs.readFileSync(path.join(dir, 'model-card.md'), 'utf8')).toMatch(
      /\| heads averaged \| 3 heads trained from different seeds, each stopped at its best val epoch/,
    )
  }, 180_000)
})
