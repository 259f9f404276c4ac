import type { FacetsDto, RequestOf } from '../../../preload/contract'

export type DataFormat = NonNullable<RequestOf<'exportData'>['format']>

/** The formats as the form offers them: what each writes and what reads it. */
export const DATA_FORMATS: { value: DataFormat; label: string; hint: string }[] = [
  {
    value: 'folders',
    label: 'Class folders',
    hint: 'train/cat/x.jpg — torchvision ImageFolder, FiftyOne, Keras. Unlabeled images are left out.',
  },
  {
    value: 'csv',
    label: 'CSV',
    hint: 'images/ + labels.csv (path, label, split, attributes) — Studio imports it back.',
  },
  {
    value: 'labelstudio',
    label: 'Label Studio',
    hint: 'images/ + tasks.json with choices (and a run’s predictions to review) + label-config.xml.',
  },
  { value: 'coco', label: 'COCO', hint: 'images/ + annotations.json (images, categories, annotations).' },
]

/** What the form holds; `versionId` null: the current labels. */
export interface DataExportForm {
  format: DataFormat
  versionId: number | null
  splits: 'folders' | 'column'
  originals: boolean
  runId: number | null
  zip: boolean
  dir: string
}

export const defaultDataExportForm = (): DataExportForm => ({
  format: 'folders',
  versionId: null,
  splits: 'folders',
  originals: false,
  runId: null,
  zip: false,
  dir: '',
})

/**
 * The request for the form: only what applies goes out (splits need a version, predictions the
 * Label Studio format), so the engine never refuses a combination the form showed as allowed.
 */
export function dataExportRequest(f: DataExportForm): RequestOf<'exportData'> {
  return {
    dir: f.dir.trim(),
    format: f.format,
    ...(f.versionId !== null ? { versionId: f.versionId, splits: f.splits } : {}),
    ...(f.format === 'labelstudio' && f.runId !== null ? { runId: f.runId } : {}),
    originals: f.originals,
    zip: f.zip,
  }
}

/** "Version 3 — 70 / 15 / 15 (2026-01-02)": a version as the labels select shows it. */
export function versionLabel(v: FacetsDto['versions'][number]): string {
  return `Version ${v.id} — train ${v.train}, val ${v.val}, test ${v.test} (${v.createdAt.slice(0, 10)})`
}

/** Where the export will be, for the line under the destination. */
export function destinationNote(f: DataExportForm): string {
  const dir = f.dir.trim().replace(/[/\\]+$/, '')
  if (!dir) return 'A new or empty folder, outside the project.'
  return f.zip ? `Writes ${dir}.zip (the folder itself is not made).` : `Writes into ${dir}.`
}

/** The folder "Show in folder" opens: the export's, or the one holding its zip. */
export function folderToShow(r: { dir: string | null; zip: string | null }): string | null {
  return r.dir ?? (r.zip ? r.zip.replace(/[/\\][^/\\]*$/, '') || '/' : null)
}
