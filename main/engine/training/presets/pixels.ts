import type * as tf from '@tensorflow/tfjs'
import type { Scaling } from '../../runs'
import { folderSaver } from '../model-io'
import { cnnEpochSeconds } from '../auto'
import { autoWorkers } from '../parallel'
import { loadPixels } from '../pixels'
import { pixelSource } from '../sources'
import type { PresetContext, PresetRun } from './types'

/**
 * A preset that trains a model on decoded pixels: the pixel cache (decoded once per image and
 * size), augmentation on the training split, data-parallel workers where they help, and the model
 * saved as it is. A pixel preset only says which model to build.
 */
export function pixelRun(ctx: PresetContext, buildModel: () => tf.LayersModel, scaling: Scaling = 'unit'): PresetRun {
  const spec = { size: ctx.cfg.inputSize, fit: ctx.cfg.fit }
  return {
    scaling,
    buildModel,
    source: async (split) => {
      const set = await loadPixels(ctx.paths, ctx.items(split), spec, ctx.onProblem)
      return pixelSource(set, ctx.numClasses, scaling, split === 'train' ? ctx.cfg.augment : null)
    },
    plan: (backend) =>
      autoWorkers(
        backend,
        ctx.cfg.workers,
        // The seed CNN's one-core speed (auto.ts) at its shape: a short run stays on one thread.
        cnnEpochSeconds(ctx.items('train').length, ctx.cfg.inputSize, 1, ctx.cfg.samePadding) * ctx.cfg.epochs,
      ),
    save: async (model, run) => {
      await model.save(folderSaver(run.model))
      return null
    },
    dispose: () => {},
  }
}
