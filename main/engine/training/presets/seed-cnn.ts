import os from 'node:os'
import { ValidationError } from '../../errors'
import type { Recipe } from '../recipe'
import { definePreset } from './types'

/**
 * The seed CNN's recipe defaults (over RECIPE_OFF, recipe.ts), chosen from bench/RESULTS.md's
 * "Seed CNN recipe" ablation (`npm run bench:fashion`): the one-cycle schedule (with its peak, the
 * preset's learning rate 0.003) and decoupled weight decay. Dropout and crop padding + mirror
 * cost accuracy there and stay off (options); so does label smoothing (not measured to help).
 */
export const SEED_CNN_RECIPE: Partial<Recipe> = {
  schedule: 'onecycle',
  weightDecay: 0.05,
}

/**
 * The side of the grid the seed CNN's last pooling should leave at least, which sets its default
 * padding (gridPadding): Fashion-MNIST at its own 28 px with the last two convolutions padded (a
 * 3×3 grid) reached 92.1–92.4 % in 8–10 epochs where 32 px unpadded (2×2) reached 91.6–91.7 % in
 * 10–13 (bench/RESULTS.md, "Zero-padded convolutions"). Padding all three scored ≈ 0.5 higher at
 * ≈ 10 % more per step; the fewest is the default, for the time budget.
 */
export const MIN_GRID = 3

/**
 * The seed CNN's shape at an input side with the last `samePadding` convolutions zero-padded:
 * each stage's convolution output side, the side of the grid into the dense layer, and the
 * multiply-adds of one image's forward pass (what a training step's time follows).
 */
export function seedCnnShape(size: number, samePadding: number): { sides: number[]; grid: number; macs: number } {
  let side = size
  let channelsIn = 3
  let macs = 0
  const sides: number[] = []
  ;[32, 64, 128].forEach((filters, i) => {
    if (i < 3 - samePadding) side -= 2
    sides.push(side)
    macs += side * side * 9 * channelsIn * filters
    side = Math.floor(side / 2)
    channelsIn = filters
  })
  const flat = side * side * 128
  return { sides, grid: side, macs: macs + flat * 512 }
}

/** The fewest convolutions, counted from the last, to zero-pad so the grid is at least MIN_GRID (3 where none is enough). */
export function gridPadding(size: number): number {
  for (let n = 0; n < 3; n++) if (seedCnnShape(size, n).grid >= MIN_GRID) return n
  return 3
}

/** Images per step by default (bench/RESULTS.md, "Seed CNN recipe"); 32 where 64 does not fit memory. */
export const SEED_CNN_BATCH = 64

export const seedCnnPreset = definePreset({
  name: 'seed-cnn',
  label: 'Seed CNN (from scratch)',
  description: 'Conv32-Pool-Conv64-Pool-Conv128-Pool-Flatten-Dense512-softmax, trained on pixels',
  fields: ['inputSize', 'augment', 'dropout', 'padding', 'batchNorm'],
  defaults: {
    inputSize: 64,
    epochs: 10,
    patience: 5,
    backbone: null,
    batchSize: SEED_CNN_BATCH,
    learningRate: 0.003,
    recipe: SEED_CNN_RECIPE,
  },
  inputSize: { min: 24, max: 224 },
  // The padding that keeps a MIN_GRID grid at the asked input; batch 64 where it fits a thread's
  // memory there (up to ≈ 160 px on two threads), else the shared 32.
  installedDefaults: (_env, asked) => {
    const size = asked.inputSize ?? 64
    const samePadding = asked.samePadding ?? gridPadding(size)
    const recipe = { ...SEED_CNN_RECIPE, samePadding }
    const shard = Math.ceil(SEED_CNN_BATCH / threadsFor(asked.workers ?? null))
    return seedCnnMemory(size, shard, 10, samePadding, asked.batchNorm ?? false).bytes <= THREAD_MEMORY_BYTES
      ? { recipe }
      : { recipe, batchSize: 32 }
  },
  validate: (cfg) =>
    checkMemory(
      cfg.inputSize,
      Math.ceil(cfg.batchSize / threadsFor(cfg.workers)),
      cfg.batchSize,
      cfg.samePadding,
      cfg.batchNorm,
    ),
  // The model and the pixel pipeline load TF.js: only a run loads them, not the config checks or --help.
  prepare: async (ctx) => {
    const [{ pixelRun }, { seedCnn }] = await Promise.all([import('./pixels'), import('./seed-cnn-model')])
    const { cfg } = ctx
    return pixelRun(ctx, () =>
      seedCnn(cfg.inputSize, ctx.numClasses, cfg.seed, cfg.dropout, cfg.samePadding, cfg.batchNorm),
    )
  },
})

/**
 * Working memory one training thread may plan on: WebAssembly's heap stops at 4 GiB per thread
 * (input 160 px at batch 224 once failed with "memory access out of bounds" after 8.5 GB), and the
 * backend needs room besides the tensors counted here.
 */
export const THREAD_MEMORY_BYTES = 3 * 1024 ** 3

/** The data-parallel threads a batch is shared among (as autoWorkers picks them: one per core, at most 4). */
function threadsFor(workers: number | null): number {
  return workers ?? Math.max(1, Math.min(4, os.availableParallelism()))
}

/**
 * Bytes one thread needs to train the seed CNN on `batch` images: every layer's activations per
 * image, kept for the backward pass with their gradients and the backend's temporaries (× 6,
 * calibrated on the run that failed: 160 px, batch 224 on two threads, 8.5 GB), plus the weights
 * with their gradients and Adam's two slots.
 */
export function seedCnnMemory(
  size: number,
  batch: number,
  classes = 10,
  samePadding = 0,
  batchNorm = false,
): { bytes: number; perImage: number; fixed: number } {
  const { sides } = seedCnnShape(size, samePadding)
  let side = size
  let floats = size * size * 3
  let channelsIn = 3
  let params = 0
  for (const [i, filters] of [32, 64, 128].entries()) {
    side = sides[i]!
    floats += side * side * filters
    params += 9 * channelsIn * filters + filters
    side = Math.floor(side / 2)
    // The pooled map, and with batch normalization its normalized copy (scale and offset per channel).
    floats += side * side * filters * (batchNorm ? 2 : 1)
    params += batchNorm ? 4 * filters : 0
    channelsIn = filters
  }
  const flat = side * side * 128
  floats += 512 + classes
  params += flat * 512 + 512 + 512 * classes + classes
  const perImage = floats * 4 * 6
  const fixed = params * 4 * 4
  return { bytes: fixed + perImage * batch, perImage, fixed }
}

function checkMemory(size: number, shard: number, batch: number, samePadding: number, batchNorm: boolean): void {
  const m = seedCnnMemory(size, shard, 10, samePadding, batchNorm)
  if (m.bytes <= THREAD_MEMORY_BYTES) return
  const gb = (b: number) => `${(b / 1024 ** 3).toFixed(1)} GB`
  const threads = Math.ceil(batch / shard)
  const fits = Math.floor((THREAD_MEMORY_BYTES - m.fixed) / m.perImage) * threads
  throw new ValidationError(
    `input ${size} px with batch ${batch} needs about ${gb(m.bytes)} of memory in each training thread, ` +
      `over the ${gb(THREAD_MEMORY_BYTES)} a thread can use: ` +
      (fits >= 1
        ? `use a batch of at most ${fits} at this input size, or a smaller input`
        : 'use a smaller input size'),
  )
}
