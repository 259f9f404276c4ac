import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { selectBackend } from '../../../main/engine/training/backend'
import { earlyStopping, NanLossError, nanStop, progress } from '../../../main/engine/training/callbacks'
import type { TrainState } from '../../../main/engine/training/checkpoint'
import type { TrainEvent } from '../../../main/engine/training/events'
import { fit, type Callback, type EpochLogs, type FitControl } from '../../../main/engine/training/fit'
import { passesSource } from '../../../main/engine/training/sources'

const fresh = (): TrainState => ({ epoch: 0, bestEpoch: null, bestValLoss: null, wait: 0 })
const logs = (epoch: number, valLoss: number | null): EpochLogs => ({
  epoch,
  loss: 1,
  accuracy: 0.5,
  valLoss,
  valAccuracy: valLoss === null ? null : 0.5,
  seconds: 1,
  imagesPerSec: 10,
  best: false,
})

/** Runs a callback's onEpochEnd over validation losses; returns the logs and when it asked to stop. */
async function epochs(cb: Callback, valLosses: (number | null)[]) {
  const control: FitControl = { stopTraining: false }
  const seen: EpochLogs[] = []
  for (const [i, v] of valLosses.entries()) {
    const l = logs(i + 1, v)
    await cb.onEpochEnd!(l, control)
    seen.push(l)
    if (control.stopTraining) break
  }
  return { seen, stopped: control.stopTraining }
}

describe('training callbacks', () => {
  it('early stopping marks the best epochs and stops after `patience` epochs without a better val loss', async () => {
    const state = fresh()
    const { seen, stopped } = await epochs(earlyStopping(state, 2), [1, 0.9, 0.95, 0.96, 0.5])
    expect(seen.map((l) => l.best)).toEqual([true, true, false, false])
    expect(stopped).toBe(true)
    expect(state).toEqual({ epoch: 4, bestEpoch: 2, bestValLoss: 0.9, wait: 2 })
  })

  it('without validation the first epoch counts as best and training never stops early', async () => {
    const state = fresh()
    const { seen, stopped } = await epochs(earlyStopping(state, 1), [null, null, null])
    expect(seen.map((l) => l.best)).toEqual([false, false, false])
    expect(stopped).toBe(false)
    expect(state).toEqual({ epoch: 3, bestEpoch: 1, bestValLoss: null, wait: 0 })
    const never = fresh()
    expect((await epochs(earlyStopping(never, null), [1, 2, 3, 4])).stopped).toBe(false)
  })

  it('the NaN stop names where it happened and which checkpoint is kept, for the loss and for the outputs', async () => {
    const state = { ...fresh(), epoch: 3 }
    const cb = nanStop(state)
    const batch = { epoch: 4, batch: 2, batches: 5, size: 8, loss: NaN, accuracy: 0 }
    expect(() => cb.onBatchEnd!(batch)).toThrow(NanLossError)
    expect(() => cb.onBatchEnd!(batch)).toThrow(
      'loss became NaN at epoch 4, batch 2; training stopped (the checkpoint of epoch 3 is kept). Try a lower learning rate.',
    )
    expect(() => cb.onBatchEnd!({ ...batch, loss: 0.7 })).not.toThrow()
    const control = { stopTraining: false }
    expect(() => cb.onEpochEnd!(logs(4, NaN), control)).toThrow(
      /^the model's outputs became NaN during epoch 4; training stopped/,
    )
    expect(() => cb.onEpochEnd!(logs(4, 0.3), control)).not.toThrow()
    expect(() => nanStop(fresh()).onBatchEnd!({ ...batch, loss: Infinity })).toThrow(
      /Infinity at epoch 4, batch 2; training stopped\. Try/,
    )
  })

  it('progress reports images/s and a time left that reaches 0 with the last step', async () => {
    const events: TrainEvent[] = []
    const cb = progress((e) => events.push(e), 7, 2, 4)
    await cb.onTrainBegin!()
    for (const batch of [1, 2]) await cb.onBatchEnd!({ epoch: 1, batch, batches: 2, size: 4, loss: 1, accuracy: 0.5 })
    await cb.onEpochEnd!({ ...logs(1, 0.4), best: true }, { stopTraining: false })
    expect(events.map((e) => e.type)).toEqual(['batch', 'batch', 'epoch'])
    expect(events[0]).toMatchObject({ runId: 7, batch: 1, imagesPerSec: expect.any(Number) })
    expect(events[1]).toMatchObject({ etaSeconds: 0 })
    expect(events[2]).toMatchObject({ epoch: 1, valLoss: 0.4, best: true, etaSeconds: 0 })
  })
})

describe('the fit loop', () => {
  beforeAll(async () => {
    await selectBackend('wasm')
  })

  function setup() {
    const model = tf.sequential()
    model.add(
      tf.layers.dense({
        inputShape: [3],
        units: 2,
        activation: 'softmax',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
      }),
    )
    model.compile({ optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy', metrics: ['accuracy'] })
    const labels = Int32Array.from({ length: 10 }, (_, i) => i % 2)
    const features = Float32Array.from({ length: 30 }, (_, i) => (i % 3) - labels[Math.floor(i / 3)]!)
    const set = { imageIds: Array.from(labels, (_, i) => i), labels }
    return { model, train: passesSource([features], 3, set, 2), val: passesSource([features], 3, set, 2) }
  }

  it('runs the callbacks in order, stops when one sets stopTraining, and can be cancelled between batches', async () => {
    const { model, train, val } = setup()
    const before = tf.memory().numTensors
    const calls: string[] = []
    const recorder: Callback = {
      onTrainBegin: () => void calls.push('begin'),
      onBatchEnd: (l) => void calls.push(`batch ${l.epoch}.${l.batch}`),
      onEpochEnd: (l, control) => {
        calls.push(`epoch ${l.epoch} val ${l.valLoss === null ? 'none' : 'yes'}`)
        if (l.epoch === 2) control.stopTraining = true
      },
    }
    const opts = { epochs: 5, batchSize: 4, seed: 1, initialEpoch: 0, cancelled: () => false }
    expect(await fit({ model, stepper: null, train, val }, opts, [recorder])).toBe('done')
    expect(calls).toEqual([
      'begin',
      'batch 1.1',
      'batch 1.2',
      'batch 1.3',
      'epoch 1 val yes',
      'batch 2.1',
      'batch 2.2',
      'batch 2.3',
      'epoch 2 val yes',
    ])
    let batches = 0
    const cancelled = await fit(
      { model, stepper: null, train, val },
      { ...opts, initialEpoch: 2, cancelled: () => batches === 2 },
      [{ onBatchEnd: () => void batches++ }],
    )
    expect(cancelled).toBe('cancelled')
    expect(batches).toBe(2)
    expect(tf.memory().numTensors).toBe(before)
    model.dispose()
  })
})
