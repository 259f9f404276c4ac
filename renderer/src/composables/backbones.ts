import type { BackboneDto, PresetDto } from '../../../preload/contract'

/** Bytes as megabytes with one decimal ("7.4 MB"). */
export function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`
}

/** What a backbone costs and gives, as the Train form shows it: "7.4 MB · 768 features · ≈ 45 images/s". */
export function backboneFacts(b: BackboneDto): string {
  return [
    megabytes(b.bytes),
    b.featureSize === null ? null : `${b.featureSize} features`,
    b.imagesPerSecond === null ? 'speed not measured' : `≈ ${Math.round(b.imagesPerSecond)} images/s`,
  ]
    .filter((s) => s !== null)
    .join(' · ')
}

/** Where a backbone comes from and under what license: "ships with Studio · Apache-2.0". */
export function backboneOrigin(b: BackboneDto): string {
  const from = b.origin === 'bundled' ? 'ships with Studio' : 'from the models folder'
  return b.license ? `${from} · ${b.license}` : from
}

export interface BackboneChoice {
  /** Backbones a run can use, the default first. */
  usable: BackboneDto[]
  /** Found but refused (malformed manifest, damaged file), each with its problem. */
  refused: BackboneDto[]
  /** The backbone the form's value means: the chosen one, else the preset's default. */
  selected: BackboneDto | undefined
  /** The preset's default (the best usable backbone). */
  best: BackboneDto | undefined
}

/** The backbone field of a preset: what can be chosen, what was refused, what the value ('' = default) means. */
export function backboneChoice(preset: PresetDto | undefined, value: string): BackboneChoice {
  const all = preset?.backbones ?? []
  const name = preset?.defaults.backbone ?? null
  const usable = all.filter((b) => b.problem === null)
  usable.sort((a, b) => Number(b.name === name) - Number(a.name === name))
  const best = usable.find((b) => b.name === name)
  return {
    usable,
    refused: all.filter((b) => b.problem !== null),
    selected: value ? usable.find((b) => b.name === value) : best,
    best,
  }
}
