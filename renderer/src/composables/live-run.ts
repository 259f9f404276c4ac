import type { EpochDto, RunDto, StudioEvent } from '../../../preload/contract'
import { duration } from './format'

/** The engine events that concern a training run. */
export type TrainingEvent = Extract<
  StudioEvent,
  { type: 'train-batch' | 'train-epoch' | 'train-status' | 'train-started' }
>
export type BatchEvent = Extract<StudioEvent, { type: 'train-batch' }>
export type StartedEvent = Extract<StudioEvent, { type: 'train-started' }>

/** One x position of the live curves. x is the fractional epoch: batch b of B in epoch e sits at e − 1 + b/B. */
export interface CurvePoint {
  x: number
  loss: number | null
  accuracy: number | null
  valLoss: number | null
  valAccuracy: number | null
}

/** What the Train view shows of the latest run; kept by the training store across views and rebuilt on reload. */
export interface LiveRun {
  runId: number
  /** 'running' until the engine says how it ended ('done', 'failed', 'cancelled'). */
  status: string
  message: string
  /** Which backend and workers it trains on; null until the engine says (and after a reload). */
  engine: StartedEvent | null
  /** The latest batch, for the progress line; null before the first. */
  progress: BatchEvent | null
  /** Sorted by x; at most one point per x. */
  points: CurvePoint[]
}

const EMPTY = { loss: null, accuracy: null, valLoss: null, valAccuracy: null }

/** A run the page has just heard of: no progress or points yet. */
export function newLiveRun(runId: number, status = 'running'): LiveRun {
  return { runId, status, message: '', engine: null, progress: null, points: [] }
}

/**
 * Adds a point, keeping the list sorted by x. A point at an x already present is merged into it (its
 * non-null values win): the last batch of an epoch and that epoch's validation land on the same x, and
 * the curve rebuilt after a reload meets batch events that arrived while it was being fetched.
 */
export function addPoint(points: CurvePoint[], p: CurvePoint): CurvePoint[] {
  let i = points.length
  while (i > 0 && points[i - 1]!.x > p.x) i--
  const same = points[i - 1]
  if (same && same.x === p.x) {
    const merged: CurvePoint = {
      x: p.x,
      loss: p.loss ?? same.loss,
      accuracy: p.accuracy ?? same.accuracy,
      valLoss: p.valLoss ?? same.valLoss,
      valAccuracy: p.valAccuracy ?? same.valAccuracy,
    }
    return [...points.slice(0, i - 1), merged, ...points.slice(i)]
  }
  return [...points.slice(0, i), p, ...points.slice(i)]
}

/**
 * The live run after an event. Events of an older run than the one shown are ignored; an event of a
 * newer run (started in another tab, or arriving before the page's own start request was answered)
 * makes that run the live one.
 */
export function applyTrainingEvent(live: LiveRun | null, e: TrainingEvent): LiveRun | null {
  if (live && e.runId < live.runId) return live
  const run = live && live.runId === e.runId ? live : newLiveRun(e.runId)
  switch (e.type) {
    case 'train-batch':
      return {
        ...run,
        progress: e,
        points: addPoint(run.points, {
          ...EMPTY,
          x: e.epoch - 1 + e.batch / e.batches,
          loss: e.loss,
          accuracy: e.accuracy,
        }),
      }
    case 'train-epoch':
      return {
        ...run,
        points: addPoint(run.points, { ...EMPTY, x: e.epoch, valLoss: e.valLoss, valAccuracy: e.valAccuracy }),
      }
    case 'train-started':
      return { ...run, engine: e }
    case 'train-status':
      return { ...run, status: e.status, message: e.message ?? '' }
  }
}

/** Adds the epochs the engine has logged (one point per epoch, at x = epoch) to a live run's curve. */
export function withEpochs(live: LiveRun, epochs: EpochDto[]): LiveRun {
  let points = live.points
  for (const e of epochs)
    points = addPoint(points, {
      x: e.epoch,
      loss: e.loss,
      accuracy: e.accuracy,
      valLoss: e.valLoss,
      valAccuracy: e.valAccuracy,
    })
  return { ...live, points }
}

/**
 * The live run as rebuilt from the engine's state after a reload: the run that is still running and
 * the epochs logged so far, merged into what events have already brought of the same run.
 */
export function restoredLiveRun(current: LiveRun | null, run: RunDto, epochs: EpochDto[]): LiveRun | null {
  if (current && current.runId > run.run) return current
  const base = current && current.runId === run.run ? current : newLiveRun(run.run, run.status)
  return withEpochs(base, epochs)
}

/** The run a page should show as live: the newest one still running. */
export function runningRun(runs: RunDto[]): RunDto | null {
  return runs.filter((r) => r.status === 'running').reduce<RunDto | null>((a, r) => (a && a.run > r.run ? a : r), null)
}

/** The curve as the charts take it: one array per series, aligned on x. */
export function curveSeries(points: CurvePoint[]) {
  return {
    x: points.map((p) => p.x),
    loss: points.map((p) => p.loss),
    accuracy: points.map((p) => p.accuracy),
    valLoss: points.map((p) => p.valLoss),
    valAccuracy: points.map((p) => p.valAccuracy),
  }
}

/** The progress line of a running run: "epoch 2, batch 5/12 · 180 img/s · ETA 3 min 5 s"; '' when there is none. */
export function progressText(live: LiveRun | null): string {
  const p = live?.progress
  if (!live || live.status !== 'running' || !p) return ''
  const rate = `${p.imagesPerSec.toFixed(0)} img/s`
  return `epoch ${p.epoch}, batch ${p.batch}/${p.batches} · ${rate} · ETA ${duration(p.etaSeconds)}`
}
