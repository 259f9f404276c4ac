import type { PresetDto, TrainRequestDto } from '../../../preload/contract'
import { backboneChoice } from './backbones'

/**
 * The Train form's transfer recipe (presets with `PresetDto.transfer`): augmented copies per
 * training image on the feature path, the backbone blocks fine-tuned after the head, the class
 * scores (the backbone's own ImageNet class probabilities appended to its features) and the heads
 * averaged (trained from different seeds on the cached features). The rest of
 * each part (crop, mirror, colour; fine-tuning epochs and rate; the class-score weight) stays the
 * preset's; what each means is documented in the engine (training/transfer-recipe.ts).
 */
export interface TransferForm {
  /** 0 to 16; 0 = off. */
  augCopies: number
  /** Backbone blocks fine-tuned from the end; 0 = backbone frozen. */
  fineTuneBlocks: number
  /** Class scores wanted; sent only where they can be on (see classScoresBlocked). */
  classScores: boolean
  /** Heads trained from different seeds and averaged, 1 to 10; sent only where they can be (see headsBlocked). */
  heads: number
}

/** The transfer fields that can carry a message. */
export type TransferField = 'augCopies' | 'fineTuneBlocks' | 'heads'

export const EMPTY_TRANSFER: TransferForm = { augCopies: 0, fineTuneBlocks: 0, classScores: false, heads: 1 }

export function transferFormFor(preset: PresetDto): TransferForm {
  const t = preset.transfer
  return t
    ? {
        augCopies: t.featureAugment.copies,
        fineTuneBlocks: t.fineTune.blocks,
        classScores: t.classScores > 0,
        heads: t.heads,
      }
    : EMPTY_TRANSFER
}

/** The fields showing a run's stored config; values of unexpected type keep the default. */
export function transferFormFromConfig(preset: PresetDto, config: Record<string, unknown>): TransferForm {
  const d = transferFormFor(preset)
  const field = (part: unknown, k: string, fallback: number) => {
    const v = typeof part === 'object' && part !== null ? (part as Record<string, unknown>)[k] : undefined
    return typeof v === 'number' ? v : fallback
  }
  return {
    augCopies: field(config.featureAugment, 'copies', d.augCopies),
    fineTuneBlocks: field(config.fineTune, 'blocks', d.fineTuneBlocks),
    // A run from before class scores had them off.
    classScores: typeof config.classScores === 'number' ? config.classScores > 0 : false,
    // A run from before heads were averaged had one.
    heads: typeof config.heads === 'number' ? config.heads : 1,
  }
}

/**
 * Why the class scores cannot be on for the form's backbone and fine-tuning (the engine refuses
 * both), or null where they can.
 */
export function classScoresBlocked(
  form: Pick<TransferForm, 'fineTuneBlocks'> & { backbone: string },
  preset: PresetDto,
): string | null {
  if (!preset.transfer) return 'this model has no pretrained backbone'
  const b = backboneChoice(preset, form.backbone).selected
  if (!b) return 'no backbone can be used'
  if (!b.classifier) return `${b.title} ships no ImageNet classifier`
  if (form.fineTuneBlocks > 0) return 'fine-tuning is on (set Fine-tune last blocks to 0 to use them)'
  return null
}

/**
 * Why more than one head cannot be averaged with the form's fine-tuning (the engine refuses both),
 * or null where they can.
 */
export function headsBlocked(form: Pick<TransferForm, 'fineTuneBlocks'>, preset: PresetDto): string | null {
  if (!preset.transfer) return 'this model trains no head on cached features'
  if (form.fineTuneBlocks > 0) return 'fine-tuning is on (set Fine-tune last blocks to 0 to average heads)'
  return null
}

/** The transfer recipe's part of the start request (only for presets that have one). */
export function transferRequest(
  form: TransferForm & { backbone: string },
  preset: PresetDto,
): Partial<TrainRequestDto> {
  const t = preset.transfer
  if (!t) return {}
  const on = form.classScores && classScoresBlocked(form, preset) === null
  return {
    featureAugment: { ...t.featureAugment, copies: form.augCopies },
    fineTune: { ...t.fineTune, blocks: form.fineTuneBlocks },
    classScores: on ? t.classScores : 0,
    heads: headsBlocked(form, preset) === null ? form.heads : 1,
  }
}

/**
 * Problems of the number fields, by field (the engine checks the same ranges). Heads are checked
 * only where they are sent (headsBlocked: the field is disabled and 1 is sent).
 */
export function transferProblems(form: TransferForm, preset: PresetDto): Partial<Record<TransferField, string>> {
  if (!preset.transfer) return {}
  const e: Partial<Record<TransferField, string>> = {}
  const whole = (v: number, lo: number, hi: number) => Number.isInteger(v) && v >= lo && v <= hi
  if (!whole(form.augCopies, 0, 16)) e.augCopies = 'Enter a whole number from 0 to 16.'
  if (!whole(form.fineTuneBlocks, 0, 8)) e.fineTuneBlocks = 'Enter a whole number from 0 to 8.'
  if (headsBlocked(form, preset) === null && !whole(form.heads, 1, 10)) e.heads = 'Enter a whole number from 1 to 10.'
  return e
}
