import { ValidationError } from '../errors'
import type { Split } from '../store'

export const DATA_FORMATS = ['folders', 'csv', 'labelstudio', 'coco'] as const
/**
 * - `folders`: class folders (`<split>/<class>/<file>` or `<class>/<file>`), what torchvision's ImageFolder and
 *   FiftyOne's ImageClassificationDirectoryTree read. Unlabeled images are left out (both would take a folder for
 *   them as a class, or drop it).
 * - `csv`: `images/…` plus `labels.csv` (`path,label[,split][,attribute…]`); Studio's own import reads it back.
 * - `labelstudio`: `images/…`, `tasks.json` (Label Studio tasks with `choices` annotations, a run's predictions as
 *   `predictions`) and `label-config.xml`.
 * - `coco`: `images/…` and `annotations.json` (COCO-style classification: images, categories, annotations).
 */
export type DataFormat = (typeof DATA_FORMATS)[number]
export const SPLIT_LAYOUTS = ['folders', 'column'] as const
export type SplitLayout = (typeof SPLIT_LAYOUTS)[number]

/** What to export and how. Every field is optional; the defaults are what `withDefaults` fills in. */
export interface DataExportOptions {
  /** Default `folders`. */
  format?: DataFormat
  /** A dataset version (its frozen labels and splits); null or absent: the current labels, without splits. */
  versionId?: number | null
  /**
   * Where a version's split goes. `folders` (default): the path (`train/cat/x.jpg`, `images/train/x.jpg`);
   * `column`: only the data (`split` column or field), images side by side. csv, Label Studio and COCO state
   * the split in their data either way.
   */
  splits?: SplitLayout
  /**
   * true: the stored originals byte for byte, metadata included. false (default): files without metadata:
   * a JPEG or PNG that holds only pixels is copied as it is, every other image is re-encoded in its own format
   * with EXIF, GPS, XMP, IPTC, ICC and comments stripped and the EXIF orientation applied to the pixels.
   */
  originals?: boolean
  /** A finished run whose predictions go into Label Studio tasks as `predictions` (labelstudio only). */
  runId?: number | null
  /** true: one `<dir>.zip` (written as it goes) instead of the folder. Default false. */
  zip?: boolean
}

export type ResolvedOptions = Required<DataExportOptions>

export function withDefaults(o: DataExportOptions): ResolvedOptions {
  const r: ResolvedOptions = {
    format: o.format ?? 'folders',
    versionId: o.versionId ?? null,
    splits: o.splits ?? 'folders',
    originals: o.originals ?? false,
    runId: o.runId ?? null,
    zip: o.zip ?? false,
  }
  if (r.runId !== null && r.format !== 'labelstudio') {
    throw new ValidationError(`a run's predictions go into Label Studio tasks only; use format labelstudio with a run`)
  }
  return r
}

export function parseDataFormat(v: string): DataFormat {
  const f = DATA_FORMATS.find((x) => x === v)
  if (!f) throw new ValidationError(`format must be one of ${DATA_FORMATS.join(', ')} (got ${JSON.stringify(v)})`)
  return f
}

export function parseSplitLayout(v: string): SplitLayout {
  const s = SPLIT_LAYOUTS.find((x) => x === v)
  if (!s) throw new ValidationError(`splits must be folders or column (got ${JSON.stringify(v)})`)
  return s
}

/** One exported file as the manifest lists it; paths are relative to the export's root, with `/`. */
export interface ManifestFile {
  path: string
  sha256: string
  bytes: number
}

/** What an export wrote, for the CLI, the job's summary and the manifest. */
export interface DataExportResult {
  /** The folder written; null when the export is a zip. */
  dir: string | null
  zip: string | null
  format: DataFormat
  /** The dataset version exported; null: the current labels. */
  versionId: number | null
  images: number
  /** Bytes of every file written (images, data files, manifest). */
  bytes: number
  /** Images per class (class names as labeled; `folder` where the folder name had to differ). */
  classes: { name: string; images: number; folder?: string }[]
  /** Images per split; null without a version. */
  splits: Record<Split, number> | null
  /** Unlabeled images with a format that has no place for them (folders), missing or unreadable files. */
  leftOut: { unlabeled: number; missing: number; unreadable: number }
  /** The files besides the images: data files and manifest.json. */
  files: string[]
  /** Images whose file was re-encoded (metadata stripped, orientation applied); the rest are byte copies. */
  reencoded: number
  /** Tasks with a prediction of the run (labelstudio with a run); null otherwise. */
  predictions: number | null
  seconds: number
}
