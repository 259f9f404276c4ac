import fs from 'node:fs'
import path from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { writeShapes } from '../../../main/cli/demo-shapes'
import { runPaths } from '../../../main/engine/runs'
import { Studio } from '../../../main/engine/studio'
import { selectBackend } from '../../../main/engine/training/backend'
import type { TrainEvent } from '../../../main/engine/training/events'
import { seedCnn } from '../../../main/engine/training/presets'
import { RECIPE_OFF } from '../../../main/engine/training/recipe'
import { tmpDir } from '../../helpers/fixtures'
import { trainInProcess } from '../../helpers/training'

// The recipe through whole runs on small generated images: what the config records, what the saved
// model holds, and that the one-thread and data-parallel steps apply it alike.
const root = tmpDir()
let studio: Studio
const losses = (ev: TrainEvent[]) => ev.filter((e) => e.type === 'batch').map((e) => (e as { loss: number }).loss)
const layerKinds = (m: tf.LayersModel) => m.layers.map((l) => l.getClassName())

beforeAll(async () => {
  await selectBackend('wasm')
  await writeShapes(path.join(root, 'shapes'), 20)
  studio = Studio.init(path.join(root, 'proj'))
  await studio.import(path.join(root, 'shapes'))
}, 60_000)

describe('the seed CNN with dropout', () => {
  it('puts dropout layers before and after the dense layer only where a rate is set', () => {
    const classic = seedCnn(32, 4, 1)
    expect(layerKinds(classic)).not.toContain('Dropout')
    const both = seedCnn(32, 4, 1, { beforeDense: 0.25, afterDense: 0.5 })
    expect(layerKinds(both).slice(-5)).toEqual(['Flatten', 'Dropout', 'Dense', 'Dropout', 'Dense'])
    const after = seedCnn(32, 4, 1, { beforeDense: 0, afterDense: 0.3 })
    expect(layerKinds(after).slice(-4)).toEqual(['Flatten', 'Dense', 'Dropout', 'Dense'])
    // Same weights either way: dropout adds none, and the initializers are seeded as before.
    expect(both.countParams()).toBe(classic.countParams())
    for (const m of [classic, both, after]) m.dispose()
  })
})

describe('a run with the whole recipe', () => {
  let tensorsBefore = 0

  it('records every option in its config and saves the dropout rates in the model', async () => {
    tensorsBefore = tf.memory().numTensors
    const events: TrainEvent[] = []
    const recipe = {
      epochs: 2,
      inputSize: 32,
      batchSize: 12,
      patience: null,
      workers: 2,
      dropout: { beforeDense: 0.2, afterDense: 0.4 },
      labelSmoothing: 0.1,
      schedule: 'onecycle' as const,
      warmupEpochs: 0.5,
      weightDecay: 0.05,
      augment: { flip: false, rotate: 0, crop: 0, brightness: 0, contrast: 0, cropPad: 3 },
    }
    const id = await trainInProcess(studio, recipe, events)
    const run = studio.store.runs.get(id)!
    expect(run.error).toBeNull()
    expect(run.status).toBe('done')
    const stored = JSON.parse(run.config) as Record<string, unknown>
    const { workers: _, ...options } = recipe
    expect(stored).toMatchObject(options)
    const model = JSON.parse(fs.readFileSync(path.join(runPaths(studio.root, id).model, 'model.json'), 'utf8')) as {
      modelTopology: { config: { layers: { class_name: string; config: { rate?: number } }[] } }
    }
    const dropouts = model.modelTopology.config.layers.filter((l) => l.class_name === 'Dropout')
    expect(dropouts.map((l) => l.config.rate)).toEqual([0.2, 0.4])
    expect(losses(events).every(Number.isFinite)).toBe(true)
  }, 180_000)

  it('leaks no tensors', () => {
    expect(tf.memory().numTensors).toBe(tensorsBefore)
  })

  it('smoothing, schedule and decay: two workers give the losses one does, and they change the run', async () => {
    // The recipe stated whole (the seed CNN's defaults are not off): no dropout, whose masks differ per thread.
    const base = {
      ...RECIPE_OFF,
      epochs: 2,
      inputSize: 32,
      batchSize: 12,
      patience: null,
      augment: null,
      learningRate: 0.003,
    }
    const recipe = { ...base, labelSmoothing: 0.1, schedule: 'cosine' as const, warmupEpochs: 0.5, weightDecay: 0.1 }
    const one: TrainEvent[] = []
    const two: TrainEvent[] = []
    const plain: TrainEvent[] = []
    await trainInProcess(studio, { ...recipe, workers: 1 }, one)
    await trainInProcess(studio, { ...recipe, workers: 2 }, two)
    await trainInProcess(studio, { ...base, workers: 1 }, plain)
    const [a, b, c] = [losses(one), losses(two), losses(plain)]
    expect(a.length).toBeGreaterThan(8)
    expect(b.length).toBe(a.length)
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!), `batch ${i + 1}`).toBeLessThan(2e-3)
    // The first batch has the same weights but a smoothed loss; later ones follow other updates.
    expect(Math.abs(a[0]! - c[0]!)).toBeGreaterThan(1e-3)
    expect(a.at(-1)).not.toBe(c.at(-1))
  }, 240_000)
})
