import type { ExportDto, ExportFormatDto } from '../../../preload/contract'
import { pct } from './format'

/** How a format's self-test ended, as the page colours it: failed in red, skipped as a warning. */
export type Verdict = 'passed' | 'failed' | 'skipped' | 'untested'

/** One row of the export's result table, every cell as text. */
export interface FormatRow {
  format: ExportFormatDto['format']
  modelFile: string
  size: string
  runtime: string
  images: string
  agreement: string
  accuracy: string
  maxDiff: string
  verdict: Verdict
  /** PASSED, FAILED or "not checked". */
  verdictText: string
  /** Why it failed or was not checked; '' when it passed. */
  reason: string
  /** The threshold it was held to, in words. */
  threshold: string
}

/** "4.6 MB", "830 kB": sizes in powers of 1000, as file managers show them. */
export function sizeText(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(0)} kB`
  return `${(bytes / 1e6).toFixed(bytes < 1e7 ? 1 : 0)} MB`
}

/** A probability difference as the card writes it: "3.1e-7", "0" when exactly equal, "—" when none. */
export function diffText(x: number | null): string {
  if (x === null) return '—'
  return x === 0 ? '0' : x.toExponential(1)
}

export function formatRows(r: ExportDto): FormatRow[] {
  return r.formats.map((f) => {
    const t = f.selfTest
    const verdict: Verdict = t ? t.status : 'untested'
    const ran = t !== null && t.status !== 'skipped'
    return {
      format: f.format,
      modelFile: f.modelFile,
      size: sizeText(f.bytes),
      runtime: t?.runtime ?? f.runtime,
      images: ran ? String(t.images) : '—',
      agreement: pct(t?.agreement),
      accuracy: pct(t?.accuracy),
      maxDiff: diffText(t?.maxDiff ?? null),
      verdict,
      verdictText: { passed: 'passed', failed: 'FAILED', skipped: 'not checked', untested: 'not checked' }[verdict],
      reason: t?.reason ?? (t ? '' : 'no self-test was run'),
      threshold: t
        ? `agreement ≥ ${pct(t.threshold.agreement)}` +
          (t.threshold.maxDiff === null ? '' : `, max difference ≤ ${t.threshold.maxDiff.toExponential(0)}`)
        : '',
    }
  })
}

/** Formats whose answers differ from Studio's beyond their threshold. */
export function failedFormats(r: ExportDto): string[] {
  return r.formats.filter((f) => f.selfTest?.status === 'failed').map((f) => f.format)
}

/** "the test split (60 images)": what the self-test classified, from the first format that ran. */
export function selfTestScope(r: ExportDto): string {
  const t = r.formats.map((f) => f.selfTest).find((x) => x && x.status !== 'skipped')
  if (!t) return 'No format could be run here, so none was checked.'
  const n = t.images + t.unreadable
  return `Each format was loaded in a fresh process with its own runtime and classified the ${t.split} split (${n} image${n === 1 ? '' : 's'}) from the original files; its answers are compared with Studio's.`
}
