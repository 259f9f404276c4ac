import os from 'node:os'
import path from 'node:path'
import { ValidationError } from '../errors'
import { createFolders, removeFolders } from '../export/destination'
import { removeStalePartials } from '../export/partials'
import { mediaFile } from '../media/formats'
import { plural } from '../plural'
import type { Split } from '../store'
import type { Studio } from '../studio'
import { STUDIO_VERSION } from '../version'
import { dataFiles, type PlacedRow } from './data-files'
import { checkDataDestination } from './destination'
import { failureReason, imageBytes } from './image-file'
import { placeRows } from './place'
import { planExport } from './rows'
import { FolderSink, ZIP_MAX_ENTRIES, ZipSink, type Sink } from './sink'
import {
  withDefaults,
  type DataExportOptions,
  type DataExportResult,
  type ManifestFile,
  type ResolvedOptions,
} from './options'

export type ExportProgress = (done: number, total: number, message?: string | null) => void

/** Images prepared at once: enough to keep sharp's threads and the disk busy, few enough to bound memory. */
const WINDOW = Math.max(4, Math.min(16, 2 * os.availableParallelism()))

type Prepared = { placed: PlacedRow; data: Buffer; reencoded: boolean } | { placed: PlacedRow; error: string }

/**
 * Exports the project's images with their labels (a dataset version's, or the current ones) into
 * `dir` (or `<dir>.zip`) in one of the formats of options.ts, with a manifest of every file's
 * sha256. The destination is checked before anything else, synchronously, so a caller can call
 * this and see a refusal before the first await. Images stream through a small window (never all
 * in memory). Everything goes to a hidden sibling first and is renamed into place at the end: a
 * cancel (`signal`) or a failure removes it and any parent folders it created.
 */
export async function exportData(
  studio: Studio,
  dir: string,
  opts: DataExportOptions,
  progress: ExportProgress = () => {},
  signal: AbortSignal = new AbortController().signal,
): Promise<DataExportResult> {
  const started = Date.now()
  const o = withDefaults(opts)
  const dest = checkDataDestination(studio.project.paths, dir, o.zip)
  const plan = planExport(studio, o)
  const { placed, folders, leftOut } = placeRows(plan, o)
  if (o.zip && placed.length + 4 > ZIP_MAX_ENTRIES) {
    throw new ValidationError(
      `${placed.length} images are more than a zip without ZIP64 holds (${ZIP_MAX_ENTRIES} files); export a folder`,
    )
  }
  const created = createFolders(path.dirname(dest.target))
  const sink: Sink = o.zip ? ZipSink.open(dest.target) : FolderSink.open(dest.target)
  try {
    // What a crashed export left beside this one (never a live export's): see export/partials.ts.
    await removeStalePartials(path.dirname(dest.target))
    progress(0, placed.length, 'writing images')
    const written = await writeImages(studio, sink, placed, o, progress, signal)
    const unreadable = placed.length - written.images.length
    signal.throwIfAborted()
    const withSplits = o.versionId !== null
    const files: ManifestFile[] = []
    for (const [name, text] of Object.entries(dataFiles(written.images, plan, o))) {
      files.push(await sink.add(name, Buffer.from(text), true))
    }
    const counts = countOf(written.images, plan.classes, folders, withSplits)
    const manifest = {
      studio: STUDIO_VERSION,
      created: new Date().toISOString(),
      options: { ...o, labels: o.versionId === null ? 'current' : `dataset version ${o.versionId}` },
      images: written.images.length,
      ...counts,
      leftOut: { ...leftOut, unreadable: written.unreadable },
      dataFiles: files,
      files: written.entries,
    }
    const manifestEntry = await sink.add('manifest.json', Buffer.from(JSON.stringify(manifest, null, 1) + '\n'), true)
    signal.throwIfAborted()
    progress(placed.length, placed.length, o.zip ? 'finishing the zip' : 'finishing')
    await sink.commit()
    const all = [...written.entries, ...files, manifestEntry]
    const result: DataExportResult = {
      dir: o.zip ? null : dest.dir,
      zip: dest.zip,
      format: o.format,
      versionId: o.versionId,
      images: written.images.length,
      bytes: all.reduce((s, f) => s + f.bytes, 0),
      ...counts,
      leftOut: { ...leftOut, unreadable },
      files: [...files.map((f) => f.path), 'manifest.json'],
      reencoded: written.entries.filter((e) => e.reencoded).length,
      predictions: o.runId === null ? null : written.images.filter((p) => p.row.prediction).length,
      seconds: (Date.now() - started) / 1000,
    }
    progress(placed.length, placed.length, summaryLine(result))
    return result
  } catch (err) {
    await sink.abort()
    removeFolders(created)
    throw err
  }
}

/** Reads or re-encodes each image (a window at a time) and adds it to the sink in order. */
async function writeImages(
  studio: Studio,
  sink: Sink,
  placed: PlacedRow[],
  o: ResolvedOptions,
  progress: ExportProgress,
  signal: AbortSignal,
) {
  const prepare = async (p: PlacedRow): Promise<Prepared> => {
    try {
      const file = mediaFile(studio.project.paths.media, p.row.hash, p.row.ext)
      return { placed: p, ...(await imageBytes(file, p.row.format, o.originals)) }
    } catch (err) {
      return { placed: p, error: failureReason(err) }
    }
  }
  const images: PlacedRow[] = []
  const entries: (ManifestFile & { label: string | null; split: Split | null; reencoded: boolean })[] = []
  const unreadable: { image: string; reason: string }[] = []
  const window: Promise<Prepared>[] = []
  let next = 0
  let done = 0
  while (next < placed.length || window.length) {
    while (next < placed.length && window.length < WINDOW && !signal.aborted) window.push(prepare(placed[next++]!))
    if (!window.length) break
    const p = await window.shift()!
    if (signal.aborted) continue // let the ones in flight finish, write nothing more
    if ('error' in p) unreadable.push({ image: p.placed.row.hash.slice(0, 12), reason: p.error })
    else {
      const e = await sink.add(p.placed.path, p.data, false)
      entries.push({ ...e, label: p.placed.row.label, split: p.placed.row.split, reencoded: p.reencoded })
      images.push(p.placed)
    }
    progress(++done, placed.length, 'writing images')
  }
  signal.throwIfAborted()
  return { images, entries, unreadable }
}

function countOf(images: PlacedRow[], classes: string[], folders: Map<string, string>, withSplits: boolean) {
  const perClass = new Map<string, number>(classes.map((c) => [c, 0]))
  const splits: Record<Split, number> = { train: 0, val: 0, test: 0 }
  for (const { row } of images) {
    if (row.label !== null) perClass.set(row.label, (perClass.get(row.label) ?? 0) + 1)
    if (row.split) splits[row.split]++
  }
  return {
    classes: [...perClass].map(([name, n]) => {
      const folder = folders.get(name)
      return { name, images: n, ...(folder !== undefined && folder !== name ? { folder } : {}) }
    }),
    splits: withSplits ? splits : null,
  }
}

/** One line for people: what was written where, and what was left out. */
export function summaryLine(r: DataExportResult): string {
  const splits = r.splits ? ` (train ${r.splits.train}, val ${r.splits.val}, test ${r.splits.test})` : ''
  const left = [
    r.leftOut.unlabeled
      ? `${plural(r.leftOut.unlabeled, 'unlabeled image')} left out (class folders have no place)`
      : '',
    r.leftOut.missing ? `${plural(r.leftOut.missing, 'image')} missing from the project` : '',
    r.leftOut.unreadable ? `${plural(r.leftOut.unreadable, 'unreadable image')}` : '',
  ].filter(Boolean)
  return (
    `${plural(r.images, 'image')}${splits}, ${plural(r.classes.length, 'class', 'classes')}, ` +
    `${size(r.bytes)} → ${r.zip ?? r.dir}` +
    (left.length ? `; ${left.join('; ')}` : '')
  )
}

function size(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1e3))} kB`
}
