import fs from 'node:fs'
import path from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { writeShapes } from '../../../main/cli/demo-shapes'
import type { TemperatureRecord, TtaRecord } from '../../../main/engine/evaluation/calibration'
import { evaluation } from '../../../main/engine/evaluation/report'
import { readPreprocessing, runPaths } from '../../../main/engine/runs'
import { Studio } from '../../../main/engine/studio'
import { selectBackend } from '../../../main/engine/training/backend'
import { predictImages } from '../../../main/engine/training/predict'
import { foldTemperature, temperatureBlocker } from '../../../main/engine/training/refine'
import { seedCnn } from '../../../main/engine/training/presets'
import { tmpDir } from '../../helpers/fixtures'
import { trainInProcess } from '../../helpers/training'

// Test-time augmentation and temperature scaling through whole runs on small generated images:
// what the summary and preprocessing.json record, and that the saved model (Studio's predict) gives
// exactly the stored predictions, mirror averaging and folded temperature included.
const root = tmpDir()
let studio: Studio
const base = { epochs: 2, inputSize: 32, batchSize: 16, patience: null, workers: 1 }

beforeAll(async () => {
  await selectBackend('wasm')
  await writeShapes(path.join(root, 'shapes'), 16)
  studio = Studio.init(path.join(root, 'proj'))
  await studio.import(path.join(root, 'shapes'))
}, 60_000)

async function storedMatchesPredict(runId: number) {
  const preds = studio.store.runs.predictions(runId).slice(0, 6)
  const again = await predictImages(
    studio,
    runId,
    preds.map((p) => String(p.imageId)),
  )
  preds.forEach((p, i) => {
    const probs = Object.values(again[i]!.probabilities)
    probs.forEach((v, c) => expect(Math.abs(v - p.probs[c]!)).toBeLessThan(1e-4))
  })
}

describe('a run with TTA on and calibration auto', () => {
  it('records both decisions with their figures and predicts as it evaluated', async () => {
    const tensors = tf.memory().numTensors
    const id = await trainInProcess(studio, { ...base, tta: 'on', calibration: 'auto' })
    const run = studio.store.runs.get(id)!
    expect(run.error).toBeNull()
    expect(JSON.parse(run.config)).toMatchObject({ tta: 'on', calibration: 'auto' })
    const ev = evaluation(studio, id) as unknown as { tta: TtaRecord; temperature: TemperatureRecord; accuracy: number }
    expect(ev.tta).toMatchObject({ mode: 'on', used: true })
    for (const figs of [ev.tta.val!.plain, ev.tta.val!.tta, ev.tta.eval!.plain, ev.tta.eval!.tta]) {
      expect(figs.accuracy).toBeGreaterThanOrEqual(0)
      expect(figs.ece).toBeGreaterThanOrEqual(0)
      expect(Number.isFinite(figs.loss)).toBe(true)
    }
    expect(ev.temperature.fitted).toBeGreaterThan(0)
    expect(ev.temperature.value).toBe(ev.temperature.applied ? ev.temperature.fitted : 1)
    expect(ev.temperature.eval!.before.accuracy).toBe(ev.tta.eval!.tta.accuracy)
    const pre = readPreprocessing(runPaths(studio.root, id))
    expect(pre.tta).toBe('flip')
    expect(pre.temperature?.value ?? 1).toBe(ev.temperature.value)
    await storedMatchesPredict(id)
    expect(tf.memory().numTensors).toBe(tensors)
  }, 120_000)
})

describe('a run with both off', () => {
  it('computes no mirror pass, fits nothing and writes a plain preprocessing.json', async () => {
    const id = await trainInProcess(studio, { ...base, tta: 'off', calibration: 'off' })
    const ev = evaluation(studio, id) as unknown as { tta: TtaRecord; temperature: TemperatureRecord }
    expect(ev.tta).toMatchObject({ mode: 'off', used: false, val: null, eval: null })
    expect(ev.temperature).toMatchObject({ mode: 'off', applied: false, value: 1, fitted: null })
    const pre = readPreprocessing(runPaths(studio.root, id))
    expect(pre.tta).toBeNull()
    expect(pre.temperature).toBeNull()
    await storedMatchesPredict(id)
  }, 120_000)
})

describe('foldTemperature', () => {
  it('divides the final softmax layer so the outputs are softmax(z / T)', () => {
    const m = seedCnn(24, 3, 7)
    const x = tf.randomUniform([2, 24, 24, 3], 0, 1, 'float32', 3) as tf.Tensor4D
    const before = (m.predict(x) as tf.Tensor).arraySync() as number[][]
    foldTemperature(m, 2)
    const after = (m.predict(x) as tf.Tensor).arraySync() as number[][]
    before.forEach((p, i) => {
      const z = p.map((v) => Math.log(v) / 2)
      const s = z.map(Math.exp).reduce((a, b) => a + b, 0)
      z.forEach((v, c) => expect(after[i]![c]).toBeCloseTo(Math.exp(v) / s, 5))
    })
    x.dispose()
    m.dispose()
  })

  it('refuses a model that does not end in a softmax Dense layer', () => {
    const m = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 3 })] })
    expect(temperatureBlocker(m)).toContain('softmax Dense')
    expect(() => foldTemperature(m, 2)).toThrow(/softmax Dense/)
    m.dispose()
  })
})

it('a model folder is written once per save (no leftovers beside it)', () => {
  const runs = fs.readdirSync(path.join(studio.root, 'runs'))
  for (const r of runs)
    expect(fs.readdirSync(path.join(studio.root, 'runs', r)).filter((f) => f.endsWith('.partial'))).toEqual([])
})
