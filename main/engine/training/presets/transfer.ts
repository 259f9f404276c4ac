import fs from 'node:fs'
import path from 'node:path'
import { ValidationError } from '../../errors'
import { saveGraphStage } from '../../runs'
import type { Split } from '../../store'
import { backboneFolders, defaultBackbone, FALLBACK_BACKBONE, listBackboneEntries, locateBackbone } from '../backbones'
import { splitPasses } from '../feature-passes'
import { passesSource } from '../sources'
import { fineTune, fineTuneStage, tailFeatures, tailOf, type Maps, type Tail } from '../fine-tune'
import { folderSaver, loadModel } from '../model-io'
import { combine, loadBackbone, transferHead } from '../transfer'
import { storedTransferRecipe, TRANSFER_DEFAULTS } from '../transfer-recipe'
import { definePreset, type AfterFit } from './types'

/**
 * A frozen pretrained backbone (backbones.ts: bundled with Studio or from the models folder), its
 * pooled features cached per image, and a small head trained on them. The default backbone is the
 * best one found. The saved model is backbone + head for a layers backbone; a graph backbone cannot
 * join a layers model, so it is copied beside the head as a stage predict runs first.
 */
export const transferPreset = definePreset({
  name: 'transfer',
  label: 'Transfer (pretrained backbone)',
  description: 'a frozen pretrained backbone, features cached per image, a small head trained on them',
  fields: ['backbone'],
  // An epoch over cached features takes well under a second: many epochs, more patience.
  defaults: { inputSize: 224, epochs: 100, patience: 10, backbone: FALLBACK_BACKBONE, transfer: TRANSFER_DEFAULTS },
  // The input size follows the backbone (asked for, else the default one) where its listing says it.
  installedDefaults: (env, asked) => {
    const entries = listBackboneEntries(backboneFolders(env.modelsDir))
    const backbone = defaultBackbone(entries)
    const spec = entries.find((e) => e.name === (asked.backbone ?? backbone))?.spec
    const size = spec?.trainSize ?? spec?.inputSize
    return { backbone, ...(size ? { inputSize: size } : {}) }
  },
  // The backbone fixes the size; a models-folder backbone may take more than the bundled 224.
  inputSize: { min: 24, max: 512 },
  validate: (cfg) => {
    if (!cfg.backbone) throw new ValidationError('the transfer preset needs a backbone')
  },
  prepare: async (ctx) => {
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
    const spec = { size: cfg.inputSize, fit: cfg.fit }
    const recipe = storedTransferRecipe(cfg)
    const { stage, note } = fineTuneStage(backbone, recipe.fineTune.blocks)
    // Fine-tuning: activations entering the first unfrozen stage, per split; the tail once tuned.
    const maps = new Map<Split, Maps>()
    const copies = recipe.featureAugment.copies
    const copiesNote = copies ? `; ${copies} augmented copies of each training image` : ''
    let tuned: Tail | null = null
    const features = (f: Float32Array[], set: { imageIds: number[]; labels: Int32Array }) =>
      passesSource(f, backbone.featureDim, set, ctx.numClasses)
    return {
      scaling: backbone.scaling,
      buildModel: () => transferHead(backbone.featureDim, ctx.numClasses, cfg.seed),
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
        }
        const p = await splitPasses(ctx.paths, backbone, ctx.items(split), spec, ctx.hashes, ctx.onProblem, opts)
        if (!p.maps) return features(p.features, p)
        const m: Maps = { imageIds: p.imageIds, labels: p.labels, passes: p.maps, shape: p.mapShape ?? [0, 0, 0] }
        maps.set(split, m)
        return features(tuned ? [tailFeatures(tuned, m, cfg.batchSize)] : p.features, p)
      },
      ...(stage === null
        ? {}
        : {
            afterFit: async (run: AfterFit) => {
              const train = maps.get('train')!
              // Fine-tuning starts from the head's best epoch.
              if (cfg.restoreBest && run.state.bestEpoch !== run.state.epoch && fs.existsSync(run.paths.best)) {
                const best = await loadModel(run.paths.best)
                run.model.setWeights(best.getWeights())
                best.dispose()
              }
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
        why: `transfer trains a small head on cached features: one thread; features: ${backbone.path}${copiesNote}${note}`,
      }),
      save: async (model, run) => {
        if (backbone.format === 'layers') {
          await combine(backbone, model).save(folderSaver(run.model))
          return null
        }
        await model.save(folderSaver(run.model))
        return saveGraphStage(run, found.folder, backbone.output!)
      },
      dispose: () => backbone.dispose(),
    }
  },
})
