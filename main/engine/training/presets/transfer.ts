import { ValidationError } from '../../errors'
import { backboneFolders, defaultBackbone, FALLBACK_BACKBONE, listBackboneEntries } from '../backbones'
import { CLASS_SCORES_WEIGHT, TRANSFER_DEFAULTS } from '../transfer-recipe'
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
  defaults: { inputSize: 224, epochs: 100, patience: 10, backbone: FALLBACK_BACKBONE, transfer: TRANSFER_DEFAULTS },
  // The input size follows the backbone (asked for, else the default one) where its listing says it.
  installedDefaults: (env, asked) => {
    const entries = listBackboneEntries(backboneFolders(env.modelsDir))
    const backbone = defaultBackbone(entries)
    const spec = entries.find((e) => e.name === (asked.backbone ?? backbone))?.spec
    const size = spec?.trainSize ?? spec?.inputSize
    // Class scores where the backbone ships its classifier, and averaged heads, unless fine-tuning is
    // asked for (class-scores.ts, transfer-recipe.ts).
    const tuning = (asked.fineTune?.blocks ?? 0) > 0
    const classScores = spec?.manifest?.classifier && !spec.output && !tuning ? CLASS_SCORES_WEIGHT : 0
    const heads = tuning ? 1 : TRANSFER_DEFAULTS.heads
    return { backbone, ...(size ? { inputSize: size } : {}), transfer: { ...TRANSFER_DEFAULTS, classScores, heads } }
  },
  // The backbone fixes the size; a models-folder backbone may take more than the bundled 224.
  inputSize: { min: 24, max: 512 },
  validate: (cfg) => {
    if (!cfg.backbone) throw new ValidationError('the transfer preset needs a backbone')
  },
  // Loading the backbone and extracting features need TF.js: only a run loads them (transfer-run.ts).
  prepare: async (ctx) => (await import('./transfer-run')).prepareTransfer(ctx),
})
