import type { Callback } from './fit'
import type { Schedule } from './recipe'

/** A run's learning-rate schedule in steps (one step = one batch). */
export interface SchedulePlan {
  schedule: Schedule
  /** The configured rate: the constant one, cosine's start, onecycle's peak. */
  learningRate: number
  /** Steps of the warm-up (constant, cosine: linear ramp; onecycle: the rise; 0 there = 30 % of the run). */
  warmupSteps: number
  totalSteps: number
}

/** onecycle starts at rate/25 and ends at that / 10⁴ (PyTorch's OneCycleLR defaults). */
const ONECYCLE_START = 25
const ONECYCLE_END = 1e4
/** onecycle's rise without a warm-up: PyTorch's pct_start. */
const ONECYCLE_RISE = 0.3

/**
 * The learning rate of step `step` (0-based, the step about to be taken):
 * - warm-up (constant, cosine): lr·(step + 1)/W for the first W steps, so the first step already moves;
 * - constant: lr after it;
 * - cosine: lr·½(1 + cos(π·(step − W)/(T − W))), from lr at the end of the warm-up to near 0 at the last step;
 * - onecycle: from lr/25 up to lr over the rise, then down to lr/250 000 at the last step, both by cosine.
 */
export function learningRateAt(plan: SchedulePlan, step: number): number {
  const { learningRate: lr, totalSteps: T } = plan
  const W = Math.min(plan.warmupSteps, T)
  const cosine = (from: number, to: number, t: number) => to + ((from - to) * (1 + Math.cos(Math.PI * t))) / 2
  if (plan.schedule === 'onecycle') {
    const rise = Math.max(1, W || Math.round(ONECYCLE_RISE * T))
    const start = lr / ONECYCLE_START
    if (step < rise) return cosine(start, lr, step / rise)
    const fall = T - 1 - rise
    return cosine(lr, start / ONECYCLE_END, fall > 0 ? Math.min(1, (step - rise) / fall) : 1)
  }
  if (step < W) return (lr * (step + 1)) / W
  if (plan.schedule === 'constant') return lr
  return cosine(lr, 0, Math.min(1, (step - W) / Math.max(1, T - W)))
}

/** Whether a schedule ever changes the rate (constant without warm-up does not: no callback, no cost). */
export function isScheduled(schedule: Schedule, warmupEpochs: number): boolean {
  return schedule !== 'constant' || warmupEpochs > 0
}

/** An optimizer whose learning rate can be set between steps (optimizer.ts). */
export interface RateSetter {
  setLearningRate(lr: number): void
}

/**
 * Sets the optimizer's learning rate before every batch from the global step, so a resumed run
 * continues the schedule where its checkpoint left it (tfjs-layers / Keras LearningRateScheduler,
 * per step instead of per epoch).
 */
export function learningRateSchedule(
  optimizer: RateSetter,
  o: { schedule: Schedule; learningRate: number; warmupEpochs: number; epochs: number },
): Callback {
  return {
    onBatchBegin: ({ epoch, batch, batches }) => {
      const plan: SchedulePlan = {
        schedule: o.schedule,
        learningRate: o.learningRate,
        warmupSteps: Math.round(o.warmupEpochs * batches),
        totalSteps: o.epochs * batches,
      }
      optimizer.setLearningRate(learningRateAt(plan, (epoch - 1) * batches + batch - 1))
    },
  }
}
