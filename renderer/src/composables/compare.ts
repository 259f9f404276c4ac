import type { EpochDto, RunDto } from '../../../preload/contract'
import { seriesColor } from './colors'

/** The epochs 1…n that the longest of the compared runs has. */
export function epochAxis(runs: RunDto[], curves: Record<number, EpochDto[]>): number[] {
  const n = Math.max(1, ...runs.map((r) => curves[r.run]?.length ?? 0))
  return Array.from({ length: n }, (_, i) => i + 1)
}

/** One chart series per compared run, aligned on `xs` (null where a run has no such epoch). */
export function runSeries(runs: RunDto[], curves: Record<number, EpochDto[]>, xs: number[], key: keyof EpochDto) {
  return runs.map((r, i) => {
    const byEpoch = new Map((curves[r.run] ?? []).map((e) => [e.epoch, e[key]]))
    return { label: `run ${r.run}`, color: seriesColor(i), values: xs.map((x) => byEpoch.get(x) ?? null) }
  })
}

/**
 * How each known setting reads in the compare table: its label, its value in words, and `absent`:
 * the value a run stored before the setting existed had (shown for it instead of "—").
 */
const pctOf = (x: unknown) => `${Math.round(Number(x) * 100)} %`
const SETTINGS: Record<
  string,
  { label: string; show?: (v: unknown, config: Record<string, unknown>) => string; absent?: unknown }
> = {
  preset: { label: 'Model' },
  backbone: { label: 'Backbone' },
  inputSize: { label: 'Input size', show: (v) => `${String(v)} px` },
  fit: { label: 'Fit', show: (v) => (v === 'contain' ? 'whole image, padded' : 'fill, centre crop') },
  epochs: { label: 'Epochs' },
  batchSize: { label: 'Batch size' },
  learningRate: { label: 'Learning rate' },
  optimizer: { label: 'Optimizer' },
  patience: {
    label: 'Early stopping',
    show: (v) => (v === null ? 'off' : `after ${String(v)} epochs without progress`),
  },
  restoreBest: { label: 'Keep best epoch' },
  seed: { label: 'Seed' },
  augment: { label: 'Augmentation', show: (v) => augmentText(v) },
  dropout: { label: 'Dropout', show: (v) => dropoutText(v) },
  samePadding: { label: 'Zero-padded convolutions', show: (v, c) => paddingText(v, c), absent: 0 },
  batchNorm: { label: 'Batch normalization', show: (v, c) => batchNormText(v, c), absent: false },
  labelSmoothing: { label: 'Label smoothing', show: (v) => (v ? String(v) : 'off') },
  schedule: { label: 'Learning-rate schedule' },
  warmupEpochs: { label: 'Warm-up', show: (v) => (v ? `${String(v)} epoch${v === 1 ? '' : 's'}` : 'none') },
  weightDecay: { label: 'Weight decay', show: (v) => (v ? `${String(v)} (decoupled)` : 'off') },
  classWeights: { label: 'Class weights' },
  fractions: {
    label: 'Split',
    show: (v, c) => {
      if (c.useOriginSplits === true) return "the import's train/val/test folders"
      const f = v as { train?: unknown; val?: unknown; test?: unknown } | null
      return f ? `${pctOf(f.train)} train, ${pctOf(f.val)} val, ${pctOf(f.test)} test` : '—'
    },
  },
  useOriginSplits: { label: 'Keep import folders as splits' },
  backend: { label: 'Backend' },
  workers: { label: 'Workers', show: (v) => (v === null ? 'one per core' : String(v)) },
  tta: { label: 'Test-time augmentation', show: (v) => (v === 'auto' ? 'auto (on if it helps on val)' : String(v)) },
  calibration: {
    label: 'Temperature scaling',
    show: (v) => (v === 'auto' ? 'auto (if it lowers val log loss and ECE)' : String(v)),
  },
  auto: { label: 'Train the best model', show: (v) => autoText(v) },
  featureAugment: { label: 'Feature augmentation', show: (v) => featureAugmentText(v) },
  fineTune: { label: 'Fine-tuning', show: (v) => fineTuneText(v) },
  classScores: { label: 'Class scores', show: (v) => (typeof v === 'number' && v > 0 ? `×${v}` : 'off') },
  heads: { label: 'Heads averaged', show: (v) => (typeof v === 'number' ? String(v) : '1'), absent: 1 },
}

/**
 * The seed CNN's zero-padded convolutions in words: "none", "last 2" (engine: Recipe.samePadding); runs stored
 * before it trained with none. A run on a backbone has no convolutions of its own to pad: "—".
 */
function paddingText(v: unknown, config: Record<string, unknown>): string {
  if (typeof config.backbone === 'string') return '—'
  return typeof v === 'number' && v > 0 ? `last ${v}` : 'none'
}

/**
 * The seed CNN's batch normalization after each pooling (engine: Recipe.batchNorm): "on" or "off"; runs stored
 * before it trained without. A run on a backbone has no convolutions of its own: "—".
 */
function batchNormText(v: unknown, config: Record<string, unknown>): string {
  if (typeof config.backbone === 'string') return '—'
  return v === true ? 'on' : 'off'
}

/** The transfer preset's augmented copies in words (engine: training/feature-augment.ts). */
function featureAugmentText(v: unknown): string {
  const a = (v ?? {}) as { copies?: number; flip?: boolean; minCrop?: number; color?: number }
  if (!a.copies) return 'off'
  return `${a.copies} cached copies: crop ≥ ${String(a.minCrop)}, ${a.flip ? 'mirror' : 'no mirror'}, colour ±${String(a.color)}`
}

/** The transfer preset's fine-tuning in words (engine: training/fine-tune.ts). */
function fineTuneText(v: unknown): string {
  const f = (v ?? {}) as { blocks?: number; epochs?: number; learningRate?: number }
  if (!f.blocks) return 'off (backbone frozen)'
  return `last ${f.blocks} block${f.blocks === 1 ? '' : 's'}, ${String(f.epochs)} epochs at ${String(f.learningRate)}`
}

/** An Auto run's plan in one line: the budget and what was chosen (the reasons are on the run and card). */
function autoText(v: unknown): string {
  if (!v || typeof v !== 'object') return 'no (set by hand)'
  const a = v as { budgetSeconds?: number; choices?: { what: string; value: string }[] }
  const chosen = (a.choices ?? []).map((c) => `${c.what} ${c.value}`).join(', ')
  return `budget ${String(a.budgetSeconds ?? '?')} s: ${chosen}`
}

function augmentText(v: unknown): string {
  if (v === null || v === undefined || v === false) return 'off'
  if (typeof v !== 'object') return String(v)
  const a = v as Record<string, unknown>
  const parts = [
    a.flip ? 'flip' : null,
    a.rotate ? `rotate ±${String(a.rotate)}°` : null,
    a.crop ? `shift ${pctOf(a.crop)}` : null,
    a.brightness ? `brightness ${pctOf(a.brightness)}` : null,
    a.contrast ? `contrast ${pctOf(a.contrast)}` : null,
    a.cropPad ? `crop padding ${String(a.cropPad)} px` : null,
  ].filter((p): p is string => p !== null)
  return parts.length ? parts.join(', ') : 'off'
}

function dropoutText(v: unknown): string {
  const d = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>
  if (!d.beforeDense && !d.afterDense) return 'off'
  return `${String(d.beforeDense ?? 0)} before the dense layer, ${String(d.afterDense ?? 0)} after`
}

/** A setting's value as a person reads it (unknown settings: plain text, objects as key: value). */
export function settingText(key: string, v: unknown, config: Record<string, unknown> = {}): string {
  const known = SETTINGS[key]?.show
  if (known) return known(v, config)
  if (v === undefined || v === null) return '—'
  if (typeof v === 'boolean') return v ? 'yes' : 'no'
  if (typeof v === 'object')
    return Object.entries(v)
      .map(([k, x]) => `${k}: ${String(x)}`)
      .join(', ')
  return String(v)
}

/** One row per setting of the compared runs; rows whose values differ come first and are marked. */
export function configRows(runs: RunDto[]): { key: string; label: string; values: string[]; differs: boolean }[] {
  const keys = new Set<string>()
  for (const r of runs) for (const k of Object.keys(r.config)) keys.add(k)
  const order = Object.keys(SETTINGS)
  return [...keys]
    .map((key) => {
      const absent = SETTINGS[key]?.absent
      const values = runs.map((r) =>
        key in r.config
          ? settingText(key, r.config[key], r.config)
          : absent !== undefined
            ? settingText(key, absent, r.config)
            : '—',
      )
      return { key, label: SETTINGS[key]?.label ?? key, values, differs: new Set(values).size > 1 }
    })
    .sort((a, b) => Number(b.differs) - Number(a.differs) || order.indexOf(a.key) - order.indexOf(b.key))
}

/** The best (highest) value among the compared runs, or null when none has one. */
export function best(runs: RunDto[], pick: (r: RunDto) => number | null): number | null {
  const vals = runs.map(pick).filter((v): v is number => v !== null)
  return vals.length ? Math.max(...vals) : null
}

/** Toggles a run in the compared set, keeping the order in which runs were ticked. */
export function toggled(chosen: number[], run: number): number[] {
  return chosen.includes(run) ? chosen.filter((r) => r !== run) : [...chosen, run]
}
