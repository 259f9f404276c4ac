import fs from 'node:fs'
import path from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { writeShapes } from '../../../main/cli/demo-shapes'
import { Studio } from '../../../main/engine/studio'
import { createDatasetVersion } from '../../../main/engine/datasets/versions'
import { withDefaults } from '../../../main/engine/training/config'
import type { TrainEvent } from '../../../main/engine/training/events'
import { selectBackend } from '../../../main/engine/training/backend'
import { ParallelStepper } from '../../../main/engine/training/parallel'
import { seedCnn } from '../../../main/engine/training/presets'
import { RECIPE_OFF } from '../../../main/engine/training/recipe'
import { runTraining } from '../../../main/engine/training/trainer'
import { tmpDir } from '../../helpers/fixtures'
import { trainInProcess } from '../../helpers/training'

// Data-parallel training threads must not change what is learned: same seed, same batches, same
// updates as one thread, up to float summation order.
const root = tmpDir()
let studio: Studio
/**
 * The plain recipe (constant rate 0.001, no decay): these tests compare the threads' arithmetic, and the
 * seed CNN's default one-cycle peak of 0.003 lets float summation order grow past the tolerance.
 * recipe-run.test.ts checks the recipe's options on two workers.
 */
const CLASSIC = { ...RECIPE_OFF, learningRate: 0.001 }
const losses = (ev: TrainEvent[]) => ev.filter((e) => e.type === 'batch').map((e) => (e as { loss: number }).loss)

beforeAll(async () => {
  await writeShapes(path.join(root, 'shapes'), 20)
  studio = Studio.init(path.join(root, 'proj'))
  await studio.import(path.join(root, 'shapes'))
}, 60_000)

/** A stepper on two wasm threads (batches of up to 6 unless `o` says otherwise). */
const twoThreads = (model: tf.LayersModel, optimizer: tf.Optimizer, o: { maxBatch?: number; entry?: string } = {}) =>
  ParallelStepper.start(model, optimizer, { workers: 2, backend: 'wasm', classWeights: null, maxBatch: 6, ...o })

describe('data-parallel training', () => {
  it('two workers give the same batch losses and epochs as one, and say so', async () => {
    // 56 training images, batch 12: the last batch (8) is short, so the shards are uneven.
    const cfg = { ...CLASSIC, epochs: 2, inputSize: 32, batchSize: 12, patience: null, augment: null }
    const one: TrainEvent[] = []
    const two: TrainEvent[] = []
    const a = await trainInProcess(studio, { ...cfg, workers: 1 }, one)
    const b = await trainInProcess(studio, { ...cfg, workers: 2 }, two)
    if (!two.some((e) => e.type === 'start')) throw new Error(JSON.stringify(two.filter((e) => e.type === 'end')))
    expect(one.find((e) => e.type === 'start')).toMatchObject({ workers: 1 })
    expect(two.find((e) => e.type === 'start')).toMatchObject({
      workers: 2,
      backendReason: expect.stringMatching(/2 worker\(s\) by setting/),
    })
    const la = losses(one)
    const lb = losses(two)
    expect(lb.length).toBe(la.length)
    expect(la.length).toBeGreaterThan(8)
    for (let i = 0; i < la.length; i++) expect(Math.abs(la[i]! - lb[i]!)).toBeLessThan(1e-3 * Math.max(1, la[i]!))
    // The run learned something (the losses are not flat), and both runs end alike.
    expect(la.at(-1)!).not.toBe(la[0])
    const ea = studio.store.runs.epochs(a)
    const eb = studio.store.runs.epochs(b)
    for (let i = 0; i < ea.length; i++) expect(eb[i]!.valLoss!).toBeCloseTo(ea[i]!.valLoss!, 3)
    expect(studio.store.runs.get(b)!.backendReason).toMatch(/2 worker/)
  }, 180_000)

  it('SGD and RMSProp: two workers (the update rules run per thread on shared memory) match one (tfjs optimizers)', async () => {
    for (const optimizer of ['sgd', 'rmsprop'] as const) {
      const cfg = {
        ...CLASSIC,
        epochs: 1,
        inputSize: 32,
        batchSize: 12,
        patience: null,
        augment: null,
        optimizer,
        learningRate: optimizer === 'sgd' ? 0.05 : 0.001,
      }
      const one: TrainEvent[] = []
      const two: TrainEvent[] = []
      await trainInProcess(studio, { ...cfg, workers: 1 }, one)
      await trainInProcess(studio, { ...cfg, workers: 2 }, two)
      const [a, b] = [losses(one), losses(two)]
      expect(a.length).toBeGreaterThan(3)
      expect(b.length).toBe(a.length)
      expect(a.at(-1)).not.toBe(a[0])
      for (let i = 0; i < a.length; i++)
        expect(Math.abs(a[i]! - b[i]!), `${optimizer} batch ${i + 1}`).toBeLessThan(1e-3 * Math.max(1, a[i]!))
    }
  }, 120_000)

  it('a last batch of one image (nothing for the other thread) trains too', async () => {
    const v = createDatasetVersion(studio.store, { seed: 42 })
    const trainCount = studio.store.datasets.items(v, 'train').length
    const events: TrainEvent[] = []
    const id = await trainInProcess(
      studio,
      { epochs: 1, inputSize: 32, batchSize: trainCount - 1, patience: null, augment: null, workers: 2 },
      events,
    )
    expect(events.find((e) => e.type === 'end')).toMatchObject({ status: 'done', error: null })
    expect(events.filter((e) => e.type === 'batch').length).toBe(2)
    expect(studio.store.runs.get(id)!.status).toBe('done')
  }, 120_000)

  it('with class weights too, two workers give the same losses as one', async () => {
    // Make the classes unequal so the weights matter (circle 6, square 34 images).
    const circle = studio.labels.findClass('circle').id
    const square = studio.labels.findClass('square').id
    const circles = studio.store.images.page({ classIds: [circle], limit: 14 }).items.map((i) => i.id)
    studio.labels.setLabels(circles, square)
    const cfg = {
      ...CLASSIC,
      epochs: 1,
      inputSize: 32,
      batchSize: 16,
      patience: null,
      augment: null,
      classWeights: true,
    }
    const one: TrainEvent[] = []
    const two: TrainEvent[] = []
    await trainInProcess(studio, { ...cfg, workers: 1 }, one)
    await trainInProcess(studio, { ...cfg, workers: 2 }, two)
    const [a, b] = [losses(one), losses(two)]
    expect(b.length).toBe(a.length)
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(1e-3 * Math.max(1, a[i]!))
  }, 120_000)

  it('a cancelled two-worker run resumes from its checkpoint onto the same losses as an uninterrupted one', async () => {
    const cfg = withDefaults({
      ...CLASSIC,
      epochs: 2,
      inputSize: 32,
      batchSize: 12,
      patience: null,
      augment: null,
      workers: 2,
    })
    const record = () => {
      const v = createDatasetVersion(studio.store, { seed: cfg.seed, fractions: cfg.fractions })
      return studio.store.runs.create({
        datasetVersion: v,
        preset: cfg.preset,
        config: JSON.stringify(cfg),
        createdAt: 'now',
        pid: process.pid,
      })
    }
    const epoch2 = (ev: TrainEvent[]) =>
      ev.filter((e) => e.type === 'batch' && e.epoch === 2).map((e) => (e as { loss: number }).loss)
    const whole: TrainEvent[] = []
    await runTraining(
      { projectDir: studio.root, runId: record(), resume: false },
      { emit: (e) => whole.push(e), cancelled: () => false },
    )
    const id = record()
    let stop = false
    const first = await runTraining(
      { projectDir: studio.root, runId: id, resume: false },
      {
        emit: (e) => {
          if (e.type === 'epoch') stop = true
        },
        cancelled: () => stop,
      },
    )
    expect(first).toBe('cancelled')
    const resumed: TrainEvent[] = []
    expect(
      await runTraining(
        { projectDir: studio.root, runId: id, resume: true },
        { emit: (e) => resumed.push(e), cancelled: () => false },
      ),
    ).toBe('done')
    const a = epoch2(whole)
    const b = epoch2(resumed)
    expect(b.length).toBe(a.length)
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(1e-4 * Math.max(1, a[i]!))
  }, 180_000)

  it('predicts a batch on every thread what model.predict gives, with the weights the last step left', async () => {
    await selectBackend('wasm')
    // Dropout too: a prediction is inference, with no layer dropping anything.
    const model = seedCnn(28, 3, 1, { beforeDense: 0.5, afterDense: 0.5 }, 2)
    const optimizer = tf.train.adam(1e-2)
    const stepper = await twoThreads(model, optimizer)
    try {
      const xs = tf.randomUniform([6, 28, 28, 3], 0, 1, 'float32', 5)
      const ys = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32'), 3).toFloat()
      const before = (model.predict(xs) as tf.Tensor).dataSync()
      await stepper.step(xs, ys)
      // Both replicas changed with the step: the prediction is the new weights', on both halves.
      for (const n of [6, 5, 1]) {
        const x = xs.slice(0, n)
        const want = (model.predict(x) as tf.Tensor).dataSync()
        const got = await stepper.predict(x)
        expect(got).toHaveLength(n * 3)
        got.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThan(1e-6))
        x.dispose()
      }
      const after = await stepper.predict(xs)
      expect(after.some((v, i) => Math.abs(v - before[i]!) > 1e-4)).toBe(true)
      tf.dispose([xs, ys])
    } finally {
      await stepper.dispose()
      model.dispose()
      optimizer.dispose()
    }
  }, 60_000)

  it("with batch normalization, every thread predicts with the trainer's moving statistics and, after loadModelWeights, its weights", async () => {
    await selectBackend('wasm')
    const model = seedCnn(28, 3, 1, RECIPE_OFF.dropout, 2, true)
    expect(model.layers.filter((l) => l.getClassName() === 'BatchNormalization')).toHaveLength(3)
    const optimizer = tf.train.adam(1e-2)
    const stepper = await twoThreads(model, optimizer)
    const agree = async (x: tf.Tensor) => {
      const want = (model.predict(x) as tf.Tensor).dataSync()
      const got = await stepper.predict(x)
      got.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThan(1e-5))
    }
    try {
      const xs = tf.randomUniform([6, 28, 28, 3], 0, 1, 'float32', 7)
      const ys = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32'), 3).toFloat()
      // Each replica moves its statistics from its own half of the batch; the trainer's are the ones saved.
      for (let i = 0; i < 3; i++) await stepper.step(xs, ys)
      const mean = model.nonTrainableWeights[0]!.read().dataSync()
      expect(Array.from(mean).some((v) => v !== 0)).toBe(true)
      await agree(xs)
      // Weights set on the model after training (a restored best epoch) reach every thread.
      const other = seedCnn(28, 3, 9, RECIPE_OFF.dropout, 2, true)
      model.setWeights(other.getWeights())
      other.dispose()
      await stepper.loadModelWeights()
      await agree(xs)
      tf.dispose([xs, ys])
    } finally {
      await stepper.dispose()
      model.dispose()
      optimizer.dispose()
    }
  }, 60_000)

  it('a worker thread that dies mid-step fails the step with a clear error instead of hanging', async () => {
    await selectBackend('wasm')
    const entry = path.join(root, 'dying-worker.mjs')
    fs.writeFileSync(
      entry,
      `import { parentPort } from 'node:worker_threads'
parentPort.on('message', (m) => { if (m.type === 'init') parentPort.postMessage({ type: 'ready' }); else if (m.type === 'step') process.exit(3) })`,
    )
    const model = seedCnn(32, 3, 1)
    const optimizer = tf.train.adam(1e-3)
    const stepper = await twoThreads(model, optimizer, { maxBatch: 4, entry })
    const xs = tf.zeros([4, 32, 32, 3])
    const ys = tf.oneHot(tf.tensor1d([0, 1, 2, 0], 'int32'), 3).toFloat()
    await expect(stepper.step(xs, ys)).rejects.toThrow(/training worker exited \(code 3\)/)
    tf.dispose([xs, ys])
    await stepper.dispose()
    model.dispose()
    optimizer.dispose()
  })
})
