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

/** A setting as the table shows it. */
const show = (v: unknown) => (v === undefined ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v))

/** One row per setting of the compared runs; rows whose values differ come first and are marked. */
export function configRows(runs: RunDto[]): { key: string; values: string[]; differs: boolean }[] {
  const keys = new Set<string>()
  for (const r of runs) for (const k of Object.keys(r.config)) keys.add(k)
  return [...keys]
    .map((key) => {
      const values = runs.map((r) => show(r.config[key]))
      return { key, values, differs: new Set(values).size > 1 }
    })
    .sort((a, b) => Number(b.differs) - Number(a.differs))
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
