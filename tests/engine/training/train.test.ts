import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { writeShapes } from '../../../main/cli/demo-shapes'
import { exportRun } from '../../../main/engine/export/bundle'
import { predictImages } from '../../../main/engine/training/predict'
import { Studio } from '../../../main/engine/studio'
import type { TrainEvent } from '../../../main/engine/training/events'
import { RECIPE_OFF } from '../../../main/engine/training/recipe'
import { tmpDir } from '../../helpers/fixtures'
import { trainInProcess } from '../../helpers/training'

const root = tmpDir()
const src = path.join(root, 'shapes')
let studio: Studio
let runId: number
const events: TrainEvent[] = []

beforeAll(async () => {
  await writeShapes(src, 100)
  studio = Studio.init(path.join(root, 'proj'))
  await studio.import(src)
}, 60_000)

describe('training the seed CNN', () => {
  let tensorsBefore = 0

  it('reaches > 90 % test accuracy on an easy synthetic task, recording backend, epochs and predictions', async () => {
    tensorsBefore = tf.memory().numTensors
    // The recipe stated whole (the seed CNN's defaults change with measurements): batch 32, constant rate.
    const recipe = { ...RECIPE_OFF, batchSize: 32, learningRate: 0.002 }
    runId = await trainInProcess(studio, { epochs: 10, inputSize: 32, ...recipe }, events)
    const run = studio.store.runs.get(runId)!
    expect(run.error).toBeNull()
    expect(run.status).toBe('done')
    expect(run.backend).toBe('wasm')
    expect(run.backendReason).toMatch(/tensorflow: not installed|fastest available/)
    const summary = JSON.parse(run.summary!) as {
      split: string
      accuracy: number
      count: number
      confusion: number[][]
    }
    expect(summary.split).toBe('test')
    expect(summary.accuracy).toBeGreaterThan(0.9)
    expect(summary.count).toBe(60)
    expect(studio.store.runs.predictions(runId)).toHaveLength(60)
    expect(studio.store.runs.epochs(runId).length).toBeGreaterThanOrEqual(6)
    for (const f of [
      'model/model.json',
      'model/weights.bin',
      'checkpoint/state.json',
      'checkpoint/optimizer.bin',
      'preprocessing.json',
    ]) {
      expect(fs.existsSync(path.join(studio.root, 'runs', String(runId), f)), f).toBe(true)
    }
  }, 180_000)

  it('reports progress per batch and per epoch with images/s and ETA', () => {
    const batches = events.filter((e) => e.type === 'batch')
    const epochs = events.filter((e) => e.type === 'epoch')
    expect(batches.length).toBe(epochs.length * 9) // 280 training images / 32
    expect(batches.every((b) => b.type === 'batch' && b.imagesPerSec > 0 && b.etaSeconds >= 0)).toBe(true)
    expect(epochs.at(-1)).toMatchObject({ type: 'epoch', etaSeconds: 0 })
    expect(events.at(-1)).toEqual({ type: 'end', runId, status: 'done', error: null })
  })

  it('leaks no tensors over train + evaluate', () => {
    expect(tf.memory().numTensors).toBe(tensorsBefore)
  })

  it('predicts unlabeled images with the trained model', async () => {
    const [p] = await predictImages(studio, runId, [path.join(src, 'circle', 'circle-0003.jpg')])
    expect(p!.label).toBe('circle')
    expect(Object.values(p!.probabilities).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4)
  })

  it('exports a folder and zip that a fresh Node process loads with plain @tensorflow/tfjs, giving the same predictions', async () => {
    const out = exportRun(studio, runId, path.join(root, 'export'))
    expect(out.files.sort()).toEqual([
      'labels.json',
      'model-card.html',
      'model-card.md',
      'model.json',
      'package.json',
      'predict.mjs',
      'preprocessing.json',
      'weights.bin',
    ])
    expect(fs.statSync(out.zip!).size).toBeGreaterThan(1000)
    const card = fs.readFileSync(path.join(out.dir, 'model-card.md'), 'utf8')
    expect(card).toMatch(/## Results on the test split \(60 images\)/)
    expect(card).toMatch(/Confusion matrix/)
    expect(card).toMatch(/Expected calibration error/)
    expect(card).toMatch(/## Known limitations/)
    // The test split's images, classified by the export's own predict.mjs in a new process.
    const preds = studio.store.runs.predictions(runId)
    const files = preds.map((p) => studio.originalPath(studio.image(p.imageId)))
    // predict.mjs resolves @tensorflow/tfjs and sharp from its folder: give it this repo's node_modules.
    fs.symlinkSync(path.resolve('node_modules'), path.join(out.dir, 'node_modules'))
    const r = spawnSync(process.execPath, [path.join(out.dir, 'predict.mjs'), ...files], {
      encoding: 'utf8',
      timeout: 120_000,
    })
    expect(r.status, r.stderr).toBe(0)
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { label: string; probabilities: Record<string, number> })
    const labels = JSON.parse(fs.readFileSync(path.join(out.dir, 'labels.json'), 'utf8')) as string[]
    expect(lines).toHaveLength(preds.length)
    lines.forEach((l, i) => {
      expect(l.label).toBe(labels[preds[i]!.predIndex])
      labels.forEach((name, c) => expect(Math.abs(l.probabilities[name]! - preds[i]!.probs[c]!)).toBeLessThan(1e-4))
    })
  }, 120_000)
})
