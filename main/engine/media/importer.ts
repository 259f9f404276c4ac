import { createHash } from 'node:crypto'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import sharp from 'sharp'
import { applyImportAttributes } from '../attributes/attributes'
import { errorMessage } from '../errors'
import { readSettings, storedSource, type StripMode } from '../privacy/settings'
import { carriesGps, stripMetadata } from '../privacy/strip'
import type { LabelService } from '../labels/service'
import { acquireLock } from '../lock'
import type { ImportKind, ProjectPaths, Store } from '../store'
import { normalizeClassName } from '../labels/classes'
import { nowIso } from '../util'
import { scanCsv } from './csv'
import { DEFAULT_MAX_PIXELS, mediaFile, thumbFile } from './formats'
import { BatchWriter, type ItemRecord } from './batch-writer'
import { decodeBudget, type PixelBudget } from './decode-budget'
import {
  forgetMadeDirs,
  probeWithMeta,
  readAndHash,
  writeAtomic,
  writeThumbnail,
  writeThumbnailAndSignals,
} from './ingest'
import { scanFolder, sourceKind, type FolderLayout, type ScanItem, type ScanResult } from './scan'

export interface ImportOptions {
  /** Folder layout for folder sources (default `auto`). */
  layout?: FolderLayout
  /** Files processed at once (default: 3 × cores, so decoding, encoding and file I/O overlap). */
  concurrency?: number
  /** Images with more pixels are refused as decompression bombs (default 100 MP). */
  maxPixels?: number
  /**
   * Bounds decode memory: pixels of all images decoding at once (default: the process-wide
   * `decodeBudget`, 100 MP). Big images then decode fewer at a time, whatever `concurrency` is.
   */
  decodeBudget?: PixelBudget
  /**
   * Measure each image's pixel signals (perceptual hash, brightness, colour, sharpness) from the
   * thumbnail's decode (default true). false leaves them to the backfill job; bench/health.ts uses
   * it to measure what measuring costs.
   */
  measureSignals?: boolean
  signal?: AbortSignal
  /** Called at most every `progressMs` and once at the end. */
  onProgress?: (p: ImportProgress) => void
  progressMs?: number
}

export interface ImportProgress {
  batchId: number
  /** Files handled so far in this batch, including ones handled before a resume. */
  done: number
  total: number
  imported: number
  duplicates: number
  errors: number
  /** Relative path of the file last handled. */
  current: string | null
  /** Files per second in this run. */
  rate: number
}

export interface ImportSummary {
  batchId: number
  source: string
  kind: ImportKind
  status: 'done' | 'cancelled'
  /** True when this run continued an interrupted batch. */
  resumed: boolean
  /** Image files found (plus problem entries such as bad CSV rows). */
  seen: number
  ignored: number
  imported: number
  duplicates: number
  /**
   * Duplicates (of this run) whose path gave a label the image was not imported with before: the
   * image is left unlabeled for the user to decide, and the health report lists it.
   */
  conflicts: number
  errors: number
  seconds: number
}

interface Ctx {
  store: Store
  labels: LabelService
  paths: ProjectPaths
}

/**
 * Imports a folder (class subfolders or flat) or a `path,label` CSV. Originals are stored under their
 * content hash, so re-importing adds nothing. Each file's outcome is written in the same transaction
 * as its image row, so a run that crashed or was cancelled continues where it stopped.
 */
export async function importSource(ctx: Ctx, source: string, opts: ImportOptions = {}): Promise<ImportSummary> {
  const started = Date.now()
  const abs = path.resolve(source)
  const scanned: ScanResult =
    (await sourceKind(abs)) === 'csv' ? await scanCsv(abs) : await scanFolder(abs, opts.layout ?? 'auto')
  const release = acquireLock(ctx.paths.root, 'import.lock', 'An import')
  // Many files in flight, one libvips thread each, beats few files with a thread pool each
  // (measured in bench/import); libvips' operation cache never hits on distinct files.
  const vipsThreads = sharp.concurrency()
  sharp.concurrency(1)
  sharp.cache(false)
  try {
    // Holding the lock, no other import writes here: what is left is from a run that died.
    await fs.rm(ctx.paths.tmp, { recursive: true, force: true })
    forgetMadeDirs()
    // What the database keeps of the source: its path, or only its name (privacy/settings.ts).
    return await run(ctx, storedSource(ctx.store, abs), scanned, opts, started)
  } finally {
    sharp.concurrency(vipsThreads)
    release()
  }
}

async function run(
  ctx: Ctx,
  source: string,
  scan: ScanResult,
  opts: ImportOptions,
  started: number,
): Promise<ImportSummary> {
  const { store } = ctx
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS
  const budget = opts.decodeBudget ?? decodeBudget
  const measure = opts.measureSignals ?? true
  const strip = readSettings(store).stripMetadata
  const total = scan.items.length + scan.problems.length
  const previous = store.imports.resumable(source, scan.kind)
  const batchId =
    previous?.id ??
    store.imports.createBatch({ source, kind: scan.kind, total, ignored: scan.ignored, startedAt: nowIso() })
  if (previous) store.imports.restartBatch(batchId, total, scan.ignored)
  const handled = store.imports.handledPaths(batchId)

  const writer = new BatchWriter(store, ctx.labels, batchId, source)
  store.tx(() => {
    const at = nowIso()
    for (const p of scan.problems) if (!handled.has(p.rel)) writer.recordError(p.rel, p.reason, at)
    // Listed, not just counted: the health report names every file skipped as not an image.
    store.health.forgetSkipped(source, batchId)
    for (const f of scan.skipped) store.health.recordSkipped(batchId, f.rel, f.reason)
  })

  const counts = store.imports.counts(batchId)
  let done = counts.imported + counts.duplicates + counts.errors
  let current: string | null = null
  let lastEmit = 0
  const runStart = Date.now()
  let doneThisRun = 0
  const emit = (force: boolean) => {
    if (!opts.onProgress) return
    const now = Date.now()
    if (!force && now - lastEmit < (opts.progressMs ?? 100)) return
    lastEmit = now
    const secs = (now - runStart) / 1000
    opts.onProgress({ batchId, done, total, ...counts, current, rate: secs > 0 ? doneThisRun / secs : 0 })
  }
  emit(true)

  const queue = scan.items.filter((i) => !handled.has(i.rel))
  let next = 0
  const worker = async () => {
    while (next < queue.length && !opts.signal?.aborted) {
      const seq = next++
      const item = queue[seq]!
      const outcome = writer.add(await importOne(ctx, writer, item, { maxPixels, budget, measure, strip }), seq)
      done++
      doneThisRun++
      current = item.rel
      if (outcome === 'imported') counts.imported++
      else if (outcome === 'duplicate') counts.duplicates++
      else counts.errors++
      emit(false)
    }
  }
  const n = Math.max(1, opts.concurrency ?? os.availableParallelism() * 3)
  try {
    await Promise.all(Array.from({ length: n }, worker))
  } finally {
    writer.flush(true)
  }
  applyImportAttributes(store, batchId, scan.items)

  const status = opts.signal?.aborted && next < queue.length ? 'cancelled' : 'done'
  store.imports.finishBatch(batchId, status, nowIso())
  emit(true)
  return {
    batchId,
    source,
    kind: scan.kind,
    status,
    resumed: Boolean(previous),
    seen: total,
    ignored: scan.ignored,
    ...counts,
    conflicts: writer.conflicts,
    seconds: (Date.now() - started) / 1000,
  }
}

/** Reads, hashes, checks and stores one file's originals and thumbnail; the DB side is the writer's. */
async function importOne(
  ctx: Ctx,
  writer: BatchWriter,
  item: ScanItem,
  opts: { maxPixels: number; budget: PixelBudget; measure: boolean; strip: StripMode },
): Promise<ItemRecord> {
  const { paths } = ctx
  const { maxPixels } = opts
  try {
    if (item.label !== null) normalizeClassName(item.label, `class folder/label ${JSON.stringify(item.label)}`)
    const read = await readAndHash(item.abs)
    let { buf, hash } = read
    if (writer.has(hash)) return { outcome: 'duplicate', item, hash }
    const probed = await probeWithMeta(buf, maxPixels)
    const { info, meta } = probed
    let gps: boolean | null = null
    if (opts.strip !== 'keep') {
      // Stored without the metadata the project's settings strip: the stored bytes are hashed.
      const stripped = await opts.budget.run(info.width * info.height, () => stripMetadata(buf, opts.strip, meta))
      if (stripped.how !== 'kept') {
        buf = stripped.buf
        hash = createHash('sha256').update(buf).digest('hex')
        if (writer.has(hash)) return { outcome: 'duplicate', item, hash }
        gps = false // stripMetadata checked that no position is left
      }
    }
    // The header gave the size: the decode waits until its pixels fit in the budget.
    const thumb = thumbFile(paths.thumbs, hash)
    const signals = await opts.budget.run(info.width * info.height, () =>
      opts.measure
        ? writeThumbnailAndSignals(buf, maxPixels, thumb, paths.tmp)
        : writeThumbnail(buf, maxPixels, thumb, paths.tmp).then(() => null),
    )
    await writeAtomic(mediaFile(paths.media, hash, info.ext), buf, paths.tmp)
    return { outcome: 'imported', item, hash, bytes: buf.length, info, signals, gps: gps ?? carriesGps(buf, meta) }
  } catch (err) {
    return { outcome: 'error', item, reason: errorMessage(err) }
  }
}
