import { plural } from '../plural'
import type { SelfTestResult } from './self-test'

/** One exported format as the model card shows it (manifest.ts `ManifestFormat` fits). */
export interface ExportedFormatCard {
  format: string
  /** The package that loads it. */
  runtime: string
  /** Bytes of its own model and weight files. */
  bytes: number
  selfTest: SelfTestResult | null
}

const pct = (x: number | null) => (x === null ? '–' : `${(x * 100).toFixed(1)} %`)

/** "1.2 MB", "830 kB": sizes as a file manager shows them (powers of 1000). */
export function sizeText(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(0)} kB`
  return `${(bytes / 1e6).toFixed(bytes < 1e7 ? 1 : 0)} MB`
}

/** A probability difference: "3.1e-7", "0" when exactly equal, "–" when none was measured. */
export function diffText(x: number | null | undefined): string {
  if (x === null || x === undefined) return '–'
  return x === 0 ? '0' : x.toExponential(1)
}

/** The verdict as a table cell: PASSED, FAILED (in bold, with why) or not checked. */
export function verdictText(t: SelfTestResult | null): string {
  if (!t) return 'not checked'
  if (t.status === 'passed') return 'passed'
  if (t.status === 'skipped') return `not checked: ${t.reason ?? 'no reason given'}`
  return `**FAILED**: ${t.reason ?? 'no reason given'}`
}

const thresholdText = (t: SelfTestResult['threshold']) =>
  `agreement ≥ ${pct(t.agreement)}${t.maxDiff === null ? '' : `, max difference ≤ ${t.maxDiff.toExponential(0)}`}`

/**
 * "Exported formats and self-test": per format its size, the runtime that loaded it in a fresh
 * process and how its answers on the evaluation split compare with Studio's. '' when the card was
 * written without a self-test.
 */
export function exportSection(formats: ExportedFormatCard[] | undefined): string {
  if (!formats?.length) return ''
  const tested = formats.map((f) => f.selfTest).find((t) => t && t.status !== 'skipped') ?? null
  const rows = formats.map((f) => {
    const t = f.selfTest
    return [
      `\`${f.format}\``,
      sizeText(f.bytes),
      t?.runtime ?? f.runtime,
      t && t.status !== 'skipped' ? t.images : '–',
      pct(t?.agreement ?? null),
      pct(t?.accuracy ?? null),
      diffText(t?.maxDiff),
      verdictText(t),
    ]
  })
  const head = ['format', 'size', 'runtime', 'images', 'agreement with Studio', 'accuracy', 'max difference', 'result']
  const table = [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n')
  const how = tested
    ? `After writing, a fresh process loaded each format with its own runtime and classified the ${tested.split} ` +
      `split (${plural(tested.images + tested.unreadable, 'image')}) from the original files through the ` +
      "export's documented preprocessing. Agreement: the share of images given Studio's top-1 class; max " +
      "difference: the largest gap between a probability and Studio's, over every image and class."
    : 'No format could be run in a fresh process here, so none was checked.'
  const thresholds = formats
    .flatMap((f) => (f.selfTest ? [`\`${f.format}\` ${thresholdText(f.selfTest.threshold)}`] : []))
    .join('; ')
  const own = tested?.studioAccuracy ?? null
  const studio = own === null ? '' : ` Studio's own accuracy on these images: ${pct(own)}.`
  const margins = thresholds
    ? `Thresholds: ${thresholds}. Float formats must reproduce Studio; smaller weights and Teachable ` +
      "Machine's own preprocessing get a stated margin."
    : ''
  return `## Exported formats and self-test

${how}${studio}

${table}

${margins}`
}

/** A "Known limitations" line (after a newline) naming every format that failed its self-test; '' when none did. */
export function exportLimitation(formats: ExportedFormatCard[] | undefined): string {
  const failed = (formats ?? []).filter((f) => f.selfTest?.status === 'failed')
  if (!failed.length) return ''
  const names = failed.map((f) => `\`${f.format}\``).join(', ')
  return (
    `\n- **Self-test FAILED** for ${names}: its answers differ from Studio's (see Exported formats and ` +
    'self-test); do not ship it before finding out why.'
  )
}
