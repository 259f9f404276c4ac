import fs from 'node:fs'
import path from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { writeShapes } from '../../../main/cli/demo-shapes'
import { createDatasetVersion } from '../../../main/engine/datasets/versions'
import { Studio } from '../../../main/engine/studio'
import { withDefaults } from '../../../main/engine/training/config'
import type { TrainEvent } from '../../../main/engine/training/events'
import { predictImages } from '../../../main/engine/training/predict'
import {
  definePreset,
  describePresets,
  pixelRun,
  PRESET_NAMES,
  PresetRegistry,
  presets,
} from '../../../main/engine/training/presets'
import { runTraining } from '../../../main/engine/training/trainer'
import { tmpDir } from '../../helpers/fixtures'

/** A preset as a new one would be written: one dense layer on pixels. */
const tiny = definePreset({
  name: 'tiny-dense',
  label: 'Tiny dense',
  description: 'one softmax layer on the pixels',
  fields: ['inputSize'],
  defaults: { inputSize: 16, epochs: 2, patience: null, backbone: null },
  inputSize: { min: 8, max: 64 },
  prepare: async (ctx) =>
    pixelRun(ctx, () => {
      const m = tf.sequential()
      m.add(tf.layers.flatten({ inputShape: [ctx.cfg.inputSize, ctx.cfg.inputSize, 3] }))
      const init = tf.initializers.glorotUniform({ seed: ctx.cfg.seed })
      m.add(tf.layers.dense({ units: ctx.numClasses, activation: 'softmax', kernelInitializer: init }))
      return m
    }),
})

describe('the preset registry', () => {
  it('gives the built-in names as a tuple, the config defaults and the Train form', () => {
    expect(PRESET_NAMES).toEqual(['seed-cnn', 'transfer'])
    expect(withDefaults({})).toMatchObject({
      preset: 'seed-cnn',
      inputSize: 64,
      epochs: 10,
      patience: 5,
      backbone: null,
    })
    expect(withDefaults({ preset: 'transfer' })).toMatchObject({
      // The bundled MobileNets' backbone.json trainSize (the backbone takes any side).
      inputSize: 288,
      epochs: 100,
      patience: 10,
      // The best backbone found: MobileNet v1 0.75 ships with Studio (backbones.test.ts).
      backbone: 'mobilenet_v1_0.75_224',
    })
    const form = describePresets()
    expect(form.map((p) => p.name)).toEqual(['seed-cnn', 'transfer'])
    expect(form[0]).toMatchObject({
      fields: ['inputSize', 'augment', 'dropout', 'padding', 'batchNorm'],
      inputSize: { min: 24, max: 224 },
      defaults: { inputSize: 64 },
    })
    // Transfer has no input-size field: the form shows the size its default backbone fixes.
    expect(form[1]).toMatchObject({
      fields: ['backbone'],
      inputSize: { min: 288, max: 288 },
      defaults: { backbone: 'mobilenet_v1_0.75_224' },
    })
  })

  it('checks a config against its preset: name, input-size range, the preset’s own checks', () => {
    expect(() => withDefaults({ preset: 'tiny-dense' })).toThrow(
      /preset must be one of seed-cnn, transfer \(got "tiny-dense"\)/,
    )
    expect(() => withDefaults({ inputSize: 16 })).toThrow(/inputSize must be a whole number from 24 to 224 \(got 16\)/)
    expect(() => withDefaults({ preset: 'transfer', backbone: '' })).toThrow(/the transfer preset needs a backbone/)
    const more = presets.with(tiny)
    expect(withDefaults({ preset: 'tiny-dense' }, more)).toMatchObject({ inputSize: 16, epochs: 2, patience: null })
    expect(() => withDefaults({ preset: 'tiny-dense', inputSize: 65 }, more)).toThrow(/from 8 to 64/)
    expect(describePresets(more).at(-1)).toMatchObject({ name: 'tiny-dense', inputSize: { min: 8, max: 64 } })
    expect(() => more.with(tiny)).toThrow(/two presets are named "tiny-dense"/)
    expect(() => new PresetRegistry([])).toThrow(/at least one preset/)
  })
})

describe('a preset added in one file', () => {
  const root = tmpDir()
  let studio: Studio

  beforeAll(async () => {
    await writeShapes(path.join(root, 'shapes'), 12)
    studio = Studio.init(path.join(root, 'proj'))
    await studio.import(path.join(root, 'shapes'))
  }, 60_000)

  it('trains end to end through the real trainer: epochs, evaluation, model folder, preprocessing, predict', async () => {
    const registry = presets.with(tiny)
    const cfg = withDefaults({ preset: 'tiny-dense', learningRate: 0.01 }, registry)
    const v = createDatasetVersion(studio.store, { seed: cfg.seed, fractions: cfg.fractions })
    const id = studio.store.runs.create({
      datasetVersion: v,
      preset: cfg.preset,
      config: JSON.stringify(cfg),
      createdAt: 'now',
      pid: process.pid,
    })
    const events: TrainEvent[] = []
    const io = { emit: (e: TrainEvent) => events.push(e), cancelled: () => false }
    const status = await runTraining({ projectDir: studio.root, runId: id, resume: false }, io, registry)
    expect(events.find((e) => e.type === 'end')).toEqual({ type: 'end', runId: id, status: 'done', error: null })
    expect(status).toBe('done')
    const run = studio.store.runs.get(id)!
    expect(run).toMatchObject({ status: 'done', preset: 'tiny-dense', epochsDone: 2 })
    expect(studio.store.runs.predictions(id).length).toBeGreaterThan(0)
    const dir = path.join(studio.root, 'runs', String(id))
    const model = JSON.parse(fs.readFileSync(path.join(dir, 'model', 'model.json'), 'utf8')) as {
      modelTopology: object
    }
    expect(JSON.stringify(model.modelTopology)).toMatch(/"Dense"/)
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'preprocessing.json'), 'utf8'))).toMatchObject({
      inputSize: 16,
      scaling: 'unit',
      backbone: null,
    })
    const [p] = await predictImages(studio, id, [path.join(root, 'shapes', 'circle', 'circle-0001.jpg')])
    expect(Object.values(p!.probabilities).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4)
  }, 120_000)
})
