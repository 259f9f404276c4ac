import { describe, expect, it } from 'vitest'
import { run } from './fake-api'
import {
  addPoint,
  applyTrainingEvent,
  curveSeries,
  newLiveRun,
  progressText,
  restoredLiveRun,
  runningRun,
  type CurvePoint,
  type LiveRun,
} from '../../renderer/src/composables/live-run'

const point = (x: number, over: Partial<CurvePoint> = {}): CurvePoint => ({
  x,
  loss: null,
  accuracy: null,
  valLoss: null,
  valAccuracy: null,
  ...over,
})
const batch = (runId: number, epoch: number, b: number, of = 4) =>
  ({
    type: 'train-batch',
    runId,
    epoch,
    batch: b,
    batches: of,
    loss: 1 / (epoch + b),
    accuracy: 0.1 * b,
    imagesPerSec: 123.4,
    etaSeconds: 9.6,
  }) as const
describe('curve points', () => {
  it('keeps points sorted by x and merges a point at an x already there', () => {
    let pts: CurvePoint[] = []
    pts = addPoint(pts, point(1, { loss: 0.5 }))
    pts = addPoint(pts, point(0.5, { loss: 0.9 }))
    pts = addPoint(pts, point(2, { loss: 0.3 }))
    pts = addPoint(pts, point(1, { valLoss: 0.6, valAccuracy: 0.7 }))
    expect(pts).toEqual([
      point(0.5, { loss: 0.9 }),
      point(1, { loss: 0.5, valLoss: 0.6, valAccuracy: 0.7 }),
      point(2, { loss: 0.3 }),
    ])
  })

  it('never changes the list it was given (the store replaces it, which the charts watch)', () => {
    const pts = [point(1)]
    const next = addPoint(pts, point(2))
    expect(pts).toHaveLength(1)
    expect(next).not.toBe(pts)
  })

  it('lays the points out as aligned series for the charts', () => {
    expect(curveSeries([point(0.5, { loss: 2 }), point(1, { valAccuracy: 0.5 })])).toEqual({
      x: [0.5, 1],
      loss: [2, null],
      accuracy: [null, null],
      valLoss: [null, null],
      valAccuracy: [null, 0.5],
    })
  })
})

describe('the live run', () => {
  it('follows a run through its events: engine, batches, epochs, end', () => {
    let live: LiveRun | null = applyTrainingEvent(null, {
      type: 'train-status',
      runId: 3,
      status: 'running',
      message: 'reading images',
    })
    live = applyTrainingEvent(live, {
      type: 'train-started',
      runId: 3,
      backend: 'wasm',
      workers: 2,
      reason: 'fastest',
      trainCount: 40,
      valCount: 10,
    })
    for (let b = 1; b <= 4; b++) live = applyTrainingEvent(live, batch(3, 1, b))
    live = applyTrainingEvent(live, {
      type: 'train-epoch',
      runId: 3,
      epoch: 1,
      loss: 0.2,
      accuracy: 0.4,
      valLoss: 0.3,
      valAccuracy: 0.6,
      etaSeconds: 5,
    })
    expect(live).toMatchObject({ runId: 3, status: 'running', message: 'reading images', engine: { workers: 2 } })
    expect(live!.points.map((p) => p.x)).toEqual([0.25, 0.5, 0.75, 1])
    // The epoch's validation joined the last batch's point.
    expect(live!.points[3]).toMatchObject({ loss: 0.2, accuracy: 0.4, valLoss: 0.3, valAccuracy: 0.6 })
    expect(progressText(live)).toBe('epoch 1, batch 4/4 · 123 img/s · ETA 10 s')
    expect(progressText({ ...live!, progress: { ...live!.progress!, etaSeconds: 185 } })).toMatch(/ETA 3 min 5 s$/)
    live = applyTrainingEvent(live, { type: 'train-status', runId: 3, status: 'done', message: null })
    expect(live).toMatchObject({ status: 'done', message: '' })
    // Finished: no progress line, the curves stay.
    expect(progressText(live)).toBe('')
    expect(live!.points).toHaveLength(4)
  })

  it('ignores an older run’s events; a newer run (another tab’s, or ahead of the start reply) takes over', () => {
    const live = applyTrainingEvent(newLiveRun(5), batch(5, 1, 1))
    expect(applyTrainingEvent(live, batch(4, 1, 2))).toBe(live)
    const next = applyTrainingEvent(live, batch(6, 1, 1))
    expect(next).toMatchObject({ runId: 6, status: 'running' })
    expect(next!.points).toHaveLength(1)
  })

  it('is rebuilt after a reload from the running run and its logged epochs, merged with events that came first', () => {
    const epochs = [
      { epoch: 1, loss: 0.9, accuracy: 0.3, valLoss: 0.8, valAccuracy: 0.4 },
      { epoch: 2, loss: 0.7, accuracy: 0.5, valLoss: 0.6, valAccuracy: 0.55 },
    ]
    const fresh = restoredLiveRun(null, run(7, 'running'), epochs)
    expect(fresh).toMatchObject({ runId: 7, status: 'running', engine: null })
    expect(fresh!.points.map((p) => [p.x, p.valAccuracy])).toEqual([
      [1, 0.4],
      [2, 0.55],
    ])
    // A batch of epoch 3 arrived while epochs() was on its way: both are kept, in order.
    const early = applyTrainingEvent(null, batch(7, 3, 1))
    const merged = restoredLiveRun(early, run(7, 'running'), epochs)
    expect(merged!.points.map((p) => p.x)).toEqual([1, 2, 2.25])
    expect(merged!.progress?.epoch).toBe(3)
    // The end arrived first: the stale 'running' of the list does not bring the run back to life.
    const ended = applyTrainingEvent(newLiveRun(7), { type: 'train-status', runId: 7, status: 'done', message: null })
    expect(restoredLiveRun(ended, run(7, 'running'), epochs)!.status).toBe('done')
    // A newer run already shown stays.
    const newer = newLiveRun(8)
    expect(restoredLiveRun(newer, run(7, 'running'), epochs)).toBe(newer)
  })

  it('picks the newest running run of the list', () => {
    expect(runningRun([run(1, 'done'), run(4, 'running'), run(2, 'running'), run(5, 'failed')])?.run).toBe(4)
    expect(runningRun([run(1, 'done')])).toBeNull()
  })
})
