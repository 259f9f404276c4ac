import path from 'node:path'
import { ValidationError } from '../../errors'
import { saveGraphStage } from '../../runs'
import { backboneFolders, defaultBackbone, FALLBACK_BACKBONE, listBackboneEntries, locateBackbone } from '../backbones'
import { folderSaver } from '../model-io'
import { featureSource } from '../sources'
import { combine, loadBackbone, splitFeatures, transferHead } from '../transfer'
import { definePreset } from './types'

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
  defaults: { inputSize: 224, epochs: 100, patience: 10, backbone: FALLBACK_BACKBONE },
  // The input size follows the backbone (asked for, else the default one) where its listing says it.
  installedDefaults: (env, asked) => {
    const entries = listBackboneEntries(backboneFolders(env.modelsDir))
    const backbone = defaultBackbone(entries)
    const size = entries.find((e) => e.name === (asked.backbone ?? backbone))?.spec?.inputSize
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
    })
    if (backbone.inputSize !== cfg.inputSize) {
      backbone.dispose()
      throw new ValidationError(
        `backbone ${backbone.name} takes ${backbone.inputSize}×${backbone.inputSize} input; ` +
          `input size ${cfg.inputSize} does not match`,
      )
    }
    const spec = { size: cfg.inputSize, fit: cfg.fit }
    return {
      scaling: backbone.scaling,
      buildModel: () => transferHead(backbone.featureDim, ctx.numClasses, cfg.seed),
      // Augmentation does not apply: the features are computed once per image.
      source: async (split) => {
        const f = await splitFeatures(
          ctx.paths,
          backbone,
          ctx.items(split),
          spec,
          ctx.hashes,
          ctx.onProblem,
          cfg.batchSize,
        )
        return featureSource(f.features, backbone.featureDim, f, ctx.numClasses)
      },
      plan: () => ({
        workers: 1,
        why: `transfer trains a small head on cached features: one thread; features: ${backbone.path}`,
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
