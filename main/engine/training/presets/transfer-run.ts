import fs from 'node:fs'
import path from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { ValidationError } from '../../errors'
import { saveGraphStage } from '../../runs'
import type { Split } from '../../store'
import { locateBackbone } from '../backbones'
import type { BackendName } from '../backend-names'
import { disposeAdded, withClassScores } from '../class-scores'
import { startFeatureRunner } from '../extract-pool'
import { splitPasses } from '../feature-passes'
import { fineTune, fineTuneStage, tailFeatures, tailOf, type Maps, type Tail } from '../fine-tune'
import { folderSaver, loadModel } from '../model-io'
import { NonFiniteOutputError } from '../predict'
import { passesSource } from '../sources'
import { averageHeads, combine, featureDir, loadBackbone, mirroredFeatures, transferHead } from '../transfer'
import { storedTransferRecipe } from '../transfer-recipe'
import type { AfterFit, PresetContext, PresetRun } from './types'

/** The transfer preset's run (presets/transfer.ts): backbone, cached features, head, fine-tuning, save. */
export async function prepareTransfer(ctx: PresetContext): Promise<PresetRun> {
  const { cfg } = ctx
  const found = locateBackbone({ user: ctx.modelsDir, bundled: ctx.bundledModelsDir }, cfg.backbone!)
  const backbone = await loadBackbone(path.dirname(found.folder), found.name, {
    complete: found.origin === 'bundled',
    inputSize: cfg.inputSize,
  })
  if (backbone.inputSize !== cfg.inputSize) {
    backbone.dispose()
    throw new ValidationError(
      `backbone ${backbone.name} takes ${backbone.inputSize}×${backbone.inputSize} input; ` +
        `input size ${cfg.inputSize} does not match`,
    )
  }
  const recipe = storedTransferRecipe(cfg)
  const weight = recipe.classScores
  const classifier = backbone.classifier
  if (weight > 0 && !classifier) {
    backbone.dispose()
    throw new ValidationError(
      `classScores: backbone ${backbone.name} ships no classifier (backbone.json's classifier); set classScores to 0`,
    )
  }
  const { stage, note } = fineTuneStage(backbone, recipe.fineTune.blocks)
  // The backbone on every core for extraction (extract-pool.ts): where features are missing from the
  // cache its threads start now, while the first images decode; else at the first batch, if any.
  const spec = { size: cfg.inputSize, fit: cfg.fit }
  const runner = startFeatureRunner(backbone, {
    backend: tf.getBackend() as BackendName,
    workers: cfg.workers,
    eager: !allCached(featureDir(ctx.paths, backbone, spec), ctx.items('train').concat(ctx.items('val'))),
  })
  // Fine-tuning: activations entering the first unfrozen stage, per split; the tail once tuned.
  const maps = new Map<Split, Maps>()
  const copies = recipe.featureAugment.copies
  const copiesNote = copies ? `; ${copies} augmented copies of each training image` : ''
  // The head's input: the pooled features, with the class probabilities appended where asked.
  const headDim = backbone.featureDim + (weight > 0 ? classifier!.classes : 0)
  const scoresNote = weight > 0 ? `; ${classifier!.classes} class probabilities (×${weight}) appended` : ''
  const headsNote = recipe.heads > 1 && stage === null ? `; ${recipe.heads} heads from different seeds, averaged` : ''
  let tuned: Tail | null = null
  const features = (f: Float32Array[], set: { imageIds: number[]; labels: Int32Array }) =>
    passesSource(
      weight > 0 ? f.map((x) => withClassScores(x, backbone.featureDim, classifier!, weight)) : f,
      headDim,
      set,
      ctx.numClasses,
    )
  return {
    scaling: backbone.scaling,
    buildModel: () => transferHead(headDim, ctx.numClasses, cfg.seed),
    // Pixel augmentation does not apply; feature augmentation gives the training split more passes.
    source: async (split) => {
      const held = maps.get(split)
      if (held && tuned) return features([tailFeatures(tuned, held, cfg.batchSize)], held)
      const opts = {
        copies: split === 'train' ? copies : 0,
        augment: recipe.featureAugment,
        seed: cfg.seed,
        stage,
        batchSize: cfg.batchSize,
        runner,
      }
      const p = await splitPasses(ctx.paths, backbone, ctx.items(split), spec, ctx.hashes, ctx.onProblem, opts)
      if (!p.maps) return features(p.features, p)
      const m: Maps = { imageIds: p.imageIds, labels: p.labels, passes: p.maps, shape: p.mapShape ?? [0, 0, 0] }
      maps.set(split, m)
      return features(tuned ? [tailFeatures(tuned, m, cfg.batchSize)] : p.features, p)
    },
    // The mirror images for test-time augmentation: features on the extraction threads, then the head
    // (the saved model's mirrored predictions to float rounding). Fine-tuned stages run only in the saved model.
    ...(stage === null
      ? {
          mirrored: async (split: Split, head: tf.LayersModel) => {
            const f = await mirroredFeatures(
              ctx.paths,
              backbone,
              ctx.items(split),
              spec,
              ctx.hashes,
              runner,
              cfg.batchSize,
            )
            const x = weight > 0 ? withClassScores(f.features, backbone.featureDim, classifier!, weight) : f.features
            const n = f.imageIds.length
            const probs = n
              ? tf.tidy(() => (head.predict(tf.tensor2d(x, [n, headDim])) as tf.Tensor).dataSync() as Float32Array)
              : new Float32Array(0)
            if (!probs.every(Number.isFinite))
              throw new NonFiniteOutputError('the model produced NaN or infinite outputs')
            const k = ctx.numClasses
            return new Map(f.imageIds.map((id, i) => [id, probs.slice(i * k, (i + 1) * k)]))
          },
          // More heads from other seeds, averaged with the run's (transfer-recipe.ts `heads`).
          ...(recipe.heads > 1 && {
            afterFit: async (run: AfterFit) => {
              await restoreBest(run, cfg.restoreBest)
              return averageHeads(run, recipe.heads, (seed) => transferHead(headDim, ctx.numClasses, seed), cfg.seed)
            },
          }),
        }
      : {
          afterFit: async (run: AfterFit) => {
            const train = maps.get('train')!
            // Fine-tuning starts from the head's best epoch.
            await restoreBest(run, cfg.restoreBest)
            const tail = tailOf(backbone.extractor!, backbone.fused!.stages[stage]!.layer)
            const ended = await fineTune({
              tail,
              head: run.model,
              train,
              val: maps.get('val')?.labels.length ? maps.get('val')! : null,
              epochs: recipe.fineTune.epochs,
              learningRate: recipe.fineTune.learningRate,
              batchSize: cfg.batchSize,
              seed: cfg.seed,
              labelSmoothing: cfg.labelSmoothing,
              firstEpoch: run.state.epoch + 1,
              cancelled: run.cancelled,
              // The weights fine-tuning ends with are the run's.
              onEpoch: (l) => {
                run.state.epoch = run.state.bestEpoch = l.epoch
                run.onEpoch(l)
              },
            })
            tuned = tail
            return ended
          },
        }),
    plan: () => ({
      workers: 1,
      why:
        `transfer trains a small head on cached features: one thread; features: ${backbone.path}, ` +
        `extracted on ${runner.why}${copiesNote}${scoresNote}${headsNote}${note}`,
    }),
    save: async (model, run) => {
      if (backbone.format === 'layers') {
        const whole = combine(backbone, model, weight)
        try {
          await whole.save(folderSaver(run.model))
        } finally {
          disposeAdded(whole, backbone.extractor!, model)
        }
        return null
      }
      await model.save(folderSaver(run.model))
      return saveGraphStage(run, found.folder, backbone.output!)
    },
    dispose: () => {
      void runner.dispose()
      backbone.dispose()
    },
  }
}

/** Every item's plain features are in the cache folder. */
function allCached(dir: string, items: { hash: string }[]): boolean {
  return items.every((i) => fs.existsSync(path.join(dir, `${i.hash}.f32`)))
}

/** The run's model back at its best epoch's weights, where the config keeps the best and it was not the last. */
async function restoreBest(run: AfterFit, wanted: boolean): Promise<void> {
  if (!wanted || run.state.bestEpoch === run.state.epoch || !fs.existsSync(run.paths.best)) return
  const best = await loadModel(run.paths.best)
  run.model.setWeights(best.getWeights())
  best.dispose()
}
