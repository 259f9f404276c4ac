import type { Command } from 'commander'
import type { TrainConfig } from '../../engine/training/config'
import { presets } from '../../engine/training/presets/registry'
import {
  CLASS_SCORES_WEIGHT,
  MAX_HEADS,
  TRANSFER_RECIPE_OFF,
  type TransferRecipe,
} from '../../engine/training/transfer-recipe'

/**
 * `studio train`'s options for the transfer preset's recipe (engine: training/transfer-recipe.ts):
 * augmented copies on the feature path, fine-tuning, the backbone's class scores and averaged heads. Values go to the config as given; its
 * checks refuse a bad one, naming the field.
 */
export interface TransferCliOptions {
  augCopies?: number
  augCrop?: number
  augColor?: number
  augFlip?: boolean
  fineTune?: number
  fineTuneEpochs?: number
  fineTuneLr?: number
  classScores?: number
  heads?: number
}

const d: TransferRecipe = presets.list.find((p) => p.defaults.transfer)?.defaults.transfer ?? TRANSFER_RECIPE_OFF

export function addTransferOptions(cmd: Command): void {
  cmd
    .option(
      '--aug-copies <n>',
      'transfer: augmented copies per training image (crop, mirror, colour), features extracted once and cached; ' +
        `0 = off (default: ${d.featureAugment.copies})`,
      parseNumber,
    )
    .option(
      '--aug-crop <fraction>',
      `transfer: smallest crop side of a copy, fraction of the image (default: ${d.featureAugment.minCrop})`,
      parseNumber,
    )
    .option(
      '--aug-color <fraction>',
      `transfer: largest brightness/contrast/saturation change of a copy (default: ${d.featureAugment.color})`,
      parseNumber,
    )
    // --aug-flip before --no-aug-flip: neither given leaves it undefined (the preset's).
    .option('--aug-flip', 'transfer: copies may be mirrored left–right (default)')
    .option('--no-aug-flip', 'transfer: copies are never mirrored (text, anything handed)')
    .option(
      '--fine-tune <blocks>',
      'transfer: after the head, fine-tune the backbone\u2019s last blocks (batch norm statistics frozen); ' +
        `0 = off (default: ${d.fineTune.blocks})`,
      parseNumber,
    )
    .option('--fine-tune-epochs <n>', `transfer: epochs of fine-tuning (default: ${d.fineTune.epochs})`, parseNumber)
    .option(
      '--fine-tune-lr <rate>',
      `transfer: fine-tuning learning rate (default: ${d.fineTune.learningRate})`,
      parseNumber,
    )
    .option(
      '--class-scores <weight>',
      'transfer: the backbone\u2019s own ImageNet class probabilities appended to its features at this weight; ' +
        `0 = off (default: ${CLASS_SCORES_WEIGHT} where the backbone ships its classifier and fine-tuning is off, else 0)`,
      parseNumber,
    )
    .option(
      '--heads <n>',
      'transfer: heads trained from different seeds, each stopped at its best val epoch, their weights averaged; ' +
        `1 = one head (default: ${d.heads} where fine-tuning is off, else 1; at most ${MAX_HEADS})`,
      parseNumber,
    )
}

/** The config fields the options set; the others stay the preset's. */
export function transferFrom(o: TransferCliOptions): Partial<TrainConfig> {
  const c: Partial<TrainConfig> = {}
  const aug = {
    ...(o.augCopies !== undefined && { copies: o.augCopies }),
    ...(o.augCrop !== undefined && { minCrop: o.augCrop }),
    ...(o.augColor !== undefined && { color: o.augColor }),
    ...(o.augFlip !== undefined && { flip: o.augFlip }),
  }
  const ft = {
    ...(o.fineTune !== undefined && { blocks: o.fineTune }),
    ...(o.fineTuneEpochs !== undefined && { epochs: o.fineTuneEpochs }),
    ...(o.fineTuneLr !== undefined && { learningRate: o.fineTuneLr }),
  }
  // Partial parts: withDefaults fills the rest of each from the preset.
  if (Object.keys(aug).length) c.featureAugment = aug as TrainConfig['featureAugment']
  if (Object.keys(ft).length) c.fineTune = ft as TrainConfig['fineTune']
  if (o.classScores !== undefined) c.classScores = o.classScores
  if (o.heads !== undefined) c.heads = o.heads
  return c
}

/** A number (commander passes the text); anything else becomes NaN, which the config check refuses by name. */
function parseNumber(v: string): number {
  return v.trim() === '' ? NaN : Number(v)
}
