import * as tf from '@tensorflow/tfjs'
import type { TrainConfig } from './config'

/**
 * The run's optimizer: TensorFlow.js's Adam, SGD or RMSProp (same arithmetic, same class name, so
 * checkpoints and the data-parallel update rules read them as before) with what the recipe adds —
 * a learning rate the schedule sets per step, and decoupled weight decay (AdamW, Loshchilov &
 * Hutter): before the optimizer's own update, each kernel becomes w·(1 − lr·wd). The decay is not
 * part of the gradient, so Adam's moments never see it. Biases are not decayed.
 */
export interface RecipeOptimizer extends tf.Optimizer {
  /** Decay per unit of learning rate (0: none). */
  readonly weightDecay: number
  /** The rate the next update uses. */
  readonly rate: number
  setLearningRate(lr: number): void
}

/** What tfjs optimizers' applyGradients take (a map of variable name → gradient, or named tensors). */
type Gradients = Parameters<tf.Optimizer['applyGradients']>[0]

/** Whether a weight of this shape is decayed: kernels (rank ≥ 2), not biases; the data-parallel update's rule too. */
export const isDecayed = (shape: readonly number[]) => shape.length >= 2

/** w ← w·(1 − amount) for every kernel among the variables of `grads`. */
export function decoupledDecay(grads: Gradients, amount: number): void {
  if (amount === 0) return
  const names = Array.isArray(grads) ? grads.map((g) => g.name) : Object.keys(grads)
  const vars = tf.engine().registeredVariables
  for (const name of names) {
    const v = vars[name]
    if (v && isDecayed(v.shape)) tf.tidy(() => v.assign(v.mul(1 - amount)))
  }
}

export class AdamW extends tf.AdamOptimizer implements RecipeOptimizer {
  constructor(
    learningRate: number,
    readonly weightDecay = 0,
  ) {
    super(learningRate, 0.9, 0.999) // tf.train.adam's defaults
  }
  get rate() {
    return this.learningRate
  }
  setLearningRate(lr: number) {
    this.learningRate = lr
  }
  override applyGradients(grads: Parameters<tf.AdamOptimizer['applyGradients']>[0]) {
    decoupledDecay(grads, this.learningRate * this.weightDecay)
    super.applyGradients(grads)
  }
}

export class SGDW extends tf.SGDOptimizer implements RecipeOptimizer {
  constructor(
    learningRate: number,
    readonly weightDecay = 0,
  ) {
    super(learningRate)
  }
  get rate() {
    return this.learningRate
  }
  override applyGradients(grads: Gradients) {
    decoupledDecay(grads, this.learningRate * this.weightDecay)
    super.applyGradients(grads)
  }
}

export class RMSPropW extends tf.RMSPropOptimizer implements RecipeOptimizer {
  constructor(
    learningRate: number,
    readonly weightDecay = 0,
  ) {
    super(learningRate, 0.9) // tf.train.rmsprop's defaults: decay 0.9, no momentum, not centred
  }
  get rate() {
    return this.learningRate
  }
  setLearningRate(lr: number) {
    this.learningRate = lr
  }
  override applyGradients(grads: Gradients) {
    decoupledDecay(grads, this.learningRate * this.weightDecay)
    super.applyGradients(grads)
  }
}

export function makeOptimizer(cfg: Pick<TrainConfig, 'optimizer' | 'learningRate' | 'weightDecay'>): RecipeOptimizer {
  if (cfg.optimizer === 'sgd') return new SGDW(cfg.learningRate, cfg.weightDecay)
  if (cfg.optimizer === 'rmsprop') return new RMSPropW(cfg.learningRate, cfg.weightDecay)
  return new AdamW(cfg.learningRate, cfg.weightDecay)
}

/** The recipe side of an optimizer: its current rate and decay (plain tfjs optimizers: their rate, no decay). */
export function recipeOf(optimizer: tf.Optimizer): { lr: number; weightDecay: number } {
  if (isRecipeOptimizer(optimizer)) return { lr: optimizer.rate, weightDecay: optimizer.weightDecay }
  return { lr: optimizer.getConfig().learningRate as number, weightDecay: 0 }
}

/**
 * Whether an optimizer is one of ours. Not `instanceof`: tf.Optimizer's Symbol.hasInstance says
 * yes to anything with minimize/applyGradients, for every subclass.
 */
function isRecipeOptimizer(o: tf.Optimizer): o is RecipeOptimizer {
  const r = o as Partial<RecipeOptimizer>
  return typeof r.weightDecay === 'number' && typeof r.rate === 'number' && typeof r.setLearningRate === 'function'
}
