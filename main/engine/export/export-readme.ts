import fs from 'node:fs'
import type { Preprocessing } from '../runs'
import { resourcePath } from '../resources'
import type { ExportedFormat } from './bundle'
import { sizeText, verdictText } from './model-card-export'
import type { FormatName, SelfTestResult } from './self-test'

/**
 * The export's README.md, from resources/export-README.md: its file table keeps the rows of files
 * the folder holds, its `<!-- if FORMAT -->` blocks the formats written, and its {{fields}} are
 * filled in. The template is prose a person edits; this only selects and fills.
 */

export interface ReadmeInput {
  runId: number
  labels: string[]
  pre: Pick<Preprocessing, 'inputSize' | 'fit' | 'scalingFormula'>
  formats: ExportedFormat[]
  selfTests: ReadonlyMap<FormatName, SelfTestResult>
  /** Every file of the export (relative, forward slashes), README.md and export.json included. */
  files: string[]
}

export function renderReadme(input: ReadmeInput, template = fs.readFileSync(resourcePath('export-README.md'), 'utf8')) {
  const present = new Set(input.formats.map((f) => f.format))
  const has = (entry: string) =>
    entry.endsWith('/') ? input.files.some((f) => f.startsWith(entry)) : input.files.includes(entry)
  const split = [...input.selfTests.values()].find((t) => t.status !== 'skipped')?.split ?? 'test'
  const fields: Record<string, string> = {
    runId: String(input.runId),
    classCount: String(input.labels.length),
    classes: input.labels.map((l) => `\`${l}\``).join(', '),
    fit: input.pre.fit,
    inputSize: String(input.pre.inputSize),
    scaling: `\`${input.pre.scalingFormula}\``,
    split,
    selfTest: selfTestTable(input),
  }
  return (
    template
      // Blocks for formats this export does not hold go, with their markers.
      .replace(/<!-- if ([\w-]+) -->\n([\s\S]*?)<!-- end -->\n?/g, (_, f: string, body: string) =>
        present.has(f as FormatName) ? body : '',
      )
      // File table rows name their file first: keep those the folder holds.
      .split('\n')
      .filter((line) => {
        const m = /^\| `([^`]+)` \|/.exec(line)
        return !m || has(m[1]!)
      })
      .join('\n')
      .replace(/\{\{(\w+)\}\}/g, (all, k: string) => fields[k] ?? all)
      .replace(/\n{3,}/g, '\n\n')
  )
}

function selfTestTable(input: ReadmeInput): string {
  const rows = input.formats.map((f) => {
    const t = input.selfTests.get(f.format) ?? null
    const agreement = t?.agreement === null || !t ? '–' : `${(t.agreement * 100).toFixed(1)} %`
    return `| \`${f.format}\` | \`${f.modelFile}\` | ${sizeText(f.bytes ?? 0)} | ${agreement} | ${verdictText(t)} |`
  })
  return ['| format | model file | size | agreement with Studio | result |', '|---|---|---|---|---|', ...rows].join(
    '\n',
  )
}
