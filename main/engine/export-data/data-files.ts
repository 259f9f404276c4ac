import { STUDIO_VERSION } from '../version'
import type { ResolvedOptions } from './options'
import type { ExportPlan, ExportRow } from './rows'

/** An image as written: its row and its path inside the export (relative, `/`). */
export interface PlacedRow {
  row: ExportRow
  path: string
}

/** The columns Studio's CSV import reads itself; a stored attribute with one of these names is left out. */
const FIXED_COLUMNS = ['path', 'label', 'split', 'origin']

/** The data files of a format, by path, built from the images actually written. */
export function dataFiles(placed: PlacedRow[], plan: ExportPlan, o: ResolvedOptions): Record<string, string> {
  const { format } = o
  const withSplits = o.versionId !== null
  if (format === 'csv') return { 'labels.csv': labelsCsv(placed, plan, withSplits) }
  if (format === 'labelstudio') {
    return { 'tasks.json': labelStudioTasks(placed, plan), 'label-config.xml': labelStudioConfig(placed, plan) }
  }
  if (format === 'coco') return { 'annotations.json': cocoJson(placed, plan, withSplits) }
  // Class folders hold the labels; a version's splits, unless they are folders, have nowhere else to go.
  return withSplits && o.splits === 'column'
    ? {
        'splits.csv': csvText(
          ['path', 'split'],
          placed.map((p) => [p.path, p.row.split]),
        ),
      }
    : {}
}

export function labelsCsv(placed: PlacedRow[], plan: ExportPlan, withSplits: boolean): string {
  const attrs = plan.attributeNames.filter((a) => !FIXED_COLUMNS.includes(a))
  const header = ['path', 'label', ...(withSplits ? ['split'] : []), ...attrs]
  return csvText(
    header,
    placed.map(({ row, path }) => [
      path,
      row.label,
      ...(withSplits ? [row.split] : []),
      ...attrs.map((a) => row.attributes[a] ?? null),
    ]),
  )
}

/** Control and object names shared by the tasks and the labeling config. */
const FROM = 'label'
const TO = 'image'

/**
 * Label Studio tasks: the image through Label Studio's local-files URL (relative to its document
 * root, which README says to set to the export folder), the label as a `choices` annotation, the
 * run's prediction as `predictions` for pre-annotation.
 */
export function labelStudioTasks(placed: PlacedRow[], plan: ExportPlan): string {
  const choice = (label: string) => ({ from_name: FROM, to_name: TO, type: 'choices', value: { choices: [label] } })
  const tasks = placed.map(({ row, path }) => ({
    data: { image: localFilesUrl(path), ...(row.split ? { split: row.split } : {}) },
    ...(row.label !== null ? { annotations: [{ result: [choice(row.label)] }] } : {}),
    ...(row.prediction && plan.model
      ? {
          predictions: [
            {
              model_version: plan.model,
              score: row.prediction.confidence,
              result: [{ ...choice(row.prediction.label), score: row.prediction.confidence }],
            },
          ],
        }
      : {}),
  }))
  return JSON.stringify(tasks, null, 1) + '\n'
}

export function localFilesUrl(rel: string): string {
  return `/data/local-files/?d=${rel.split('/').map(encodeURIComponent).join('/')}`
}

/** The labeling config the tasks match: one image, one single-choice list of every class (and predicted one). */
export function labelStudioConfig(placed: PlacedRow[], plan: ExportPlan): string {
  const names = new Set(plan.classes)
  for (const { row } of placed) if (row.prediction) names.add(row.prediction.label)
  const choices = [...names].map((n) => `    <Choice value="${xmlAttr(n)}"/>`).join('\n')
  return [
    '<View>',
    `  <Image name="${TO}" value="$image"/>`,
    `  <Choices name="${FROM}" toName="${TO}" choice="single" showInline="true">`,
    choices,
    '  </Choices>',
    '</View>',
    '',
  ].join('\n')
}

function xmlAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

/** COCO-style classification: images, categories (ids from 1) and one annotation per labeled image. */
export function cocoJson(placed: PlacedRow[], plan: ExportPlan, withSplits: boolean): string {
  const categoryId = new Map(plan.classes.map((name, i) => [name, i + 1]))
  const annotations: { id: number; image_id: number; category_id: number }[] = []
  const images = placed.map(({ row, path }, i) => {
    const category = row.label === null ? undefined : categoryId.get(row.label)
    if (category !== undefined) annotations.push({ id: annotations.length + 1, image_id: i + 1, category_id: category })
    return {
      id: i + 1,
      file_name: path,
      width: row.width,
      height: row.height,
      ...(withSplits ? { split: row.split } : {}),
    }
  })
  const info = {
    description: 'Image classification dataset exported from Studio',
    version: STUDIO_VERSION,
    date_created: new Date().toISOString(),
    ...(withSplits ? { splits: ['train', 'val', 'test'].filter((s) => placed.some((p) => p.row.split === s)) } : {}),
  }
  return (
    JSON.stringify({
      info,
      licenses: [],
      categories: plan.classes.map((name, i) => ({ id: i + 1, name, supercategory: 'none' })),
      images,
      annotations,
    }) + '\n'
  )
}

/**
 * CSV cells as spreadsheets read them safely. A cell that starts with `=`, `+`, `-`, `@`, a tab or
 * a carriage return is taken for a formula by Excel, LibreOffice and Google Sheets (CSV injection,
 * OWASP): a class name like `=HYPERLINK(…)` would run when someone opens labels.csv. Such a cell
 * gets a leading `'`, as OWASP advises, so it is read as text. Studio's import drops that one `'`
 * again (media/csv.ts `unquoteCell`), so a class named `=x` comes back as `=x`; a value that
 * already starts with `'` before such a character gets one more, so it too comes back as it was.
 * (No CSV writer existed elsewhere in Studio to share this with.)
 */
const FORMULA_START = /^'*[=+\-@\t\r]/

export function csvCell(value: string | number | null | undefined): string {
  let s = value === null || value === undefined ? '' : String(value)
  if (FORMULA_START.test(s)) s = `'${s}`
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s
}

/** One CSV text: a header and rows, CRLF-terminated (RFC 4180), UTF-8 without a byte-order mark. */
export function csvText(header: string[], rows: (string | number | null)[][]): string {
  return [header, ...rows].map((r) => r.map(csvCell).join(',') + '\r\n').join('')
}
