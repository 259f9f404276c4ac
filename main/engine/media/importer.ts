import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { errorMessage } from '../errors'
import type { LabelService } from '../labels/service'
import { acquireLock } from '../lock'
import type { ImportKind, ProjectPaths, Store } from '../store'
import { nowIso } from '../util'
import { scanCsv } from './csv'
import { DEFAULT_MAX_PIXELS, mediaFile, thumbFile } from './formats'
import { exists, IngestError, probe, readAndHash, thumbnail, writeAtomic } from './ingest'
import { scanFolder, sourceKind, type FolderLayout, type ScanItem, type ScanResult } from './scan'

export interface ImportOptions {
  /** Folder layout for folder sources (default `auto`). */
  layout?: FolderLayout
  /** Files processed at once (default: cores + 2). */
  concurrency?: number
  /** Images with more pixels are refused as decompression bombs (default 100 MP). */
  maxPixels?: number
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
  try {
    // Holding the lock, no other import writes here: what is left is from a run that died.
    await fs.rm(ctx.paths.tmp, { recursive: true, force: true })
    return await run(ctx, abs, scanned, opts, started)
  } finally {
    release()
  }
}

async function run(ctx: Ctx, source: string, scan: ScanResult, opts: ImportOptions, started: number): Promise<ImportSummary> {
  const { store } = ctx
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS
  const total = scan.items.length + scan.problems.length
  const previous = store.imports.resumable(source, scan.kind)
  const batchId = previous?.id ?? store.imports.createBatch({ source, kind: scan.kind, total, ignored: scan.ignored, startedAt: nowIso() })
  if (previous) store.imports.restartBatch(batchId, total, scan.ignored)
  const handled = store.imports.handledPaths(batchId)

  store.tx(() => {
    const at = nowIso()
    for (const p of scan.problems) {
      if (handled.has(p.rel)) continue
      store.imports.recordItem(batchId, p.rel, 'error', null)
      store.imports.recordError(batchId, p.rel, p.reason, at)
    }
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

  const finish = (item: ScanItem, outcome: 'imported' | 'duplicate' | 'error') => {
    done++
    doneThisRun++
    current = item.rel
    if (outcome === 'imported') counts.imported++
    else if (outcome === 'duplicate') counts.duplicates++
    else counts.errors++
    emit(false)
  }

  const queue = scan.items.filter((i) => !handled.has(i.rel))
  let next = 0
  const worker = async () => {
    while (next < queue.length && !opts.signal?.aborted) {
      const item = queue[next++]!
      finish(item, await importOne(ctx, batchId, item, maxPixels))
    }
  }
  const n = Math.max(1, opts.concurrency ?? os.availableParallelism() + 2)
  await Promise.all(Array.from({ length: n }, worker))

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
    seconds: (Date.now() - started) / 1000,
  }
}

async function importOne(ctx: Ctx, batchId: number, item: ScanItem, maxPixels: number): Promise<'imported' | 'duplicate' | 'error'> {
  const { store, labels, paths } = ctx
  const fail = (reason: string) => {
    store.tx(() => {
      store.imports.recordItem(batchId, item.rel, 'error', null)
      store.imports.recordError(batchId, item.rel, reason, nowIso())
    })
    return 'error' as const
  }
  try {
    const { buf, hash } = await readAndHash(item.abs)
    const known = store.images.byHash(hash)
    if (known) {
      store.imports.recordItem(batchId, item.rel, 'duplicate', known.id)
      return 'duplicate'
    }
    const info = await probe(buf, maxPixels)
    const thumb = await thumbnail(buf, maxPixels)
    const original = mediaFile(paths.media, hash, info.ext)
    if (!(await exists(original))) await writeAtomic(original, buf, paths.tmp)
    await writeAtomic(thumbFile(paths.thumbs, hash), thumb, paths.tmp)
    // Synchronous from here: the hash check and the insert cannot interleave with another file.
    return store.tx(() => {
      const again = store.images.byHash(hash)
      if (again) {
        store.imports.recordItem(batchId, item.rel, 'duplicate', again.id)
        return 'duplicate' as const
      }
      const at = nowIso()
      const classId = item.label === null ? null : labels.ensureClass(item.label).id
      const id = store.images.insert({
        hash,
        originalName: path.posix.basename(item.rel),
        relPath: item.rel,
        ext: info.ext,
        format: info.format,
        width: info.width,
        height: info.height,
        bytes: buf.length,
        origin: item.origin,
        batchId,
        importedAt: at,
      })
      if (classId !== null) labels.importLabel(id, classId, at)
      store.imports.recordItem(batchId, item.rel, 'imported', id)
      return 'imported' as const
    })
  } catch (err) {
    if (err instanceof IngestError) return fail(err.message)
    return fail(errorMessage(err))
  }
}
