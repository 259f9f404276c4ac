import type { PresetDto, TrainRequestDto } from '../../../preload/contract'

/**
 * The Train form's transfer recipe (presets with `PresetDto.transfer`): augmented copies per
 * training image on the feature path and the backbone blocks fine-tuned after the head. The rest
 * of each part (crop, mirror, colour; fine-tuning epochs and rate) stays the preset's; what each
 * means is documented in the engine (training/transfer-recipe.ts).
 */
export interface TransferForm {
  /** 0 to 16; 0 = off. */
  augCopies: number
  /** Backbone blocks fine-tuned from the end; 0 = backbone frozen. */
  fineTuneBlocks: number
}

export const EMPTY_TRANSFER: TransferForm = { augCopies: 0, fineTuneBlocks: 0 }

export function transferFormFor(preset: PresetDto): TransferForm {
  const t = preset.transfer
  return t ? { augCopies: t.featureAugment.copies, fineTuneBlocks: t.fineTune.blocks } : EMPTY_TRANSFER
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
  }
}

/** The transfer recipe's part of the start request (only for presets that have one). */
export function transferRequest(form: TransferForm, preset: PresetDto): Partial<TrainRequestDto> {
  const t = preset.transfer
  if (!t) return {}
  return {
    featureAugment: { ...t.featureAugment, copies: form.augCopies },
    fineTune: { ...t.fineTune, blocks: form.fineTuneBlocks },
  }
}

/** Problems of the two fields, by field (the engine checks the same ranges). */
export function transferProblems(form: TransferForm, preset: PresetDto): Partial<Record<keyof TransferForm, string>> {
  if (!preset.transfer) return {}
  const e: Partial<Record<keyof TransferForm, string>> = {}
  const whole = (v: number, hi: number) => Number.isInteger(v) && v >= 0 && v <= hi
  if (!whole(form.augCopies, 16)) e.augCopies = 'Enter a whole number from 0 to 16.'
  if (!whole(form.fineTuneBlocks, 8)) e.fineTuneBlocks = 'Enter a whole number from 0 to 8.'
  return e
}
