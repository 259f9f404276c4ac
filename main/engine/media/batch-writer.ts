import path from 'node:path'
import type { ImageSignals } from '../health/signals'
import type { LabelService } from '../labels/service'
import type { Store } from '../store'
import { nowIso } from '../util'
import type { Probed } from './ingest'
import type { ScanItem } from './scan'
import { SourceRecorder } from './sources'

export type ItemRecord =
  | {
      outcome: 'imported'
      item: ScanItem
      hash: string
      bytes: number
      info: Probed
      signals: ImageSignals | null
      /** The stored original carries a GPS position (EXIF or XMP). */
      gps?: boolean
    }
  | { outcome: 'duplicate'; item: ScanItem; hash: string }
  | { outcome: 'error'; item: ScanItem; reason: string }

/**
 * Buffers the database side of an import and writes it in groups, one transaction per group:
 * per-file commits cost more main-thread time than the rest of the bookkeeping together.
 * Each file's image row and outcome go in the same transaction, so after a crash a file is
 * either fully recorded or handled again; its content-addressed files are simply rewritten.
 */
export class BatchWriter {
  private pending: ItemRecord[] = []
  /** Duplicates whose image is still waiting to be written (see flush). */
  private deferred: ItemRecord[] = []
  /** Records that finished before an earlier file did, by position. */
  private waiting = new Map<number, ItemRecord>()
  private nextSeq = 0
  private pendingHashes = new Set<string>()
  private lastFlush = Date.now()

  /** Errors earlier batches of this source recorded, by path (see `ImportQueries.earlierErrors`). */
  private readonly earlierErrors: Map<string, number[]>
  private readonly sources: SourceRecorder

  constructor(
    private readonly store: Store,
    private readonly labels: LabelService,
    private readonly batchId: number,
    source: string,
    /** Flush after this many records or this many milliseconds, whichever comes first. */
    private readonly maxRecords = 64,
    private readonly maxMs = 250,
  ) {
    this.earlierErrors = store.imports.earlierErrors(source, batchId)
    this.sources = new SourceRecorder(store, labels, batchId)
  }

  /** Files of this batch whose content the project has under another label (see SourceRecorder). */
  get conflicts(): number {
    return this.sources.conflicts
  }

  /** True when an image with this content is stored or about to be. */
  has(hash: string): boolean {
    return this.pendingHashes.has(hash) || this.store.images.byHash(hash) !== undefined
  }

  /**
   * Queues the record of the file at position `seq` of the import. Synchronous, so the duplicate
   * check and the queueing of an image cannot interleave with another file of the same content.
   * Records are written in `seq` order, whatever order the files finished in, so image ids follow
   * the scan order and two imports of the same folder number their images alike.
   * Returns the outcome as finally counted.
   */
  add(rec: ItemRecord, seq: number): ItemRecord['outcome'] {
    if (rec.outcome === 'imported' && this.has(rec.hash)) rec = { outcome: 'duplicate', item: rec.item, hash: rec.hash }
    if (rec.outcome === 'imported') this.pendingHashes.add(rec.hash)
    this.waiting.set(seq, rec)
    while (this.waiting.has(this.nextSeq)) {
      this.pending.push(this.waiting.get(this.nextSeq)!)
      this.waiting.delete(this.nextSeq++)
    }
    if (this.pending.length >= this.maxRecords || Date.now() - this.lastFlush >= this.maxMs) this.flush()
    return rec.outcome
  }

  /** Writes everything queued; with `all`, also records still waiting for an earlier file (end of import). */
  flush(all = false): void {
    if (all) {
      for (const seq of [...this.waiting.keys()].sort((a, b) => a - b)) this.pending.push(this.waiting.get(seq)!)
      this.waiting.clear()
    }
    const recs = [...this.deferred, ...this.pending]
    this.deferred = []
    this.pending = []
    this.lastFlush = Date.now()
    if (!recs.length) return
    const { store, labels, batchId } = this
    store.tx(() => {
      const at = nowIso()
      // Duplicates last: the file of the same content may have finished later yet come first.
      const ordered = [
        ...recs.filter((r) => r.outcome !== 'duplicate'),
        ...recs.filter((r) => r.outcome === 'duplicate'),
      ]
      for (const rec of ordered) {
        const { item } = rec
        if (rec.outcome === 'error') {
          this.recordError(item.rel, rec.reason, at)
          continue
        }
        if (rec.outcome === 'duplicate') {
          const existing = store.images.byHash(rec.hash)?.id ?? null
          // Its image is queued behind it (a later position): record it with that image, next time.
          if (existing === null && this.pendingHashes.has(rec.hash) && !all) {
            this.deferred.push(rec)
            continue
          }
          this.forgetEarlierError(item.rel)
          store.imports.recordItem(batchId, item.rel, 'duplicate', existing)
          if (existing !== null) this.sources.duplicate(existing, item, at)
        } else {
          this.forgetEarlierError(item.rel)
          const id = store.images.insert({
            hash: rec.hash,
            originalName: path.posix.basename(item.rel),
            relPath: item.rel,
            ext: rec.info.ext,
            format: rec.info.format,
            width: rec.info.width,
            height: rec.info.height,
            bytes: rec.bytes,
            origin: item.origin,
            batchId,
            importedAt: at,
          })
          if (rec.signals) store.health.setSignals(id, rec.signals)
          if (rec.gps !== undefined) store.privacy.setGps(id, rec.gps)
          const cls = item.label === null ? null : labels.ensureClass(item.label)
          if (cls) labels.importLabel(id, cls.id, at)
          this.sources.imported(id, item, cls?.name ?? null)
          store.imports.recordItem(batchId, item.rel, 'imported', id)
        }
      }
      this.sources.finish()
    })
    for (const rec of recs) if (rec.outcome === 'imported') this.pendingHashes.delete(rec.hash)
  }

  /**
   * Records a file (or CSV row, or folder) this batch could not use, in the caller's transaction.
   * An error an earlier import of the same source recorded for it is replaced, keeping the latest reason.
   */
  recordError(rel: string, reason: string, at: string): void {
    this.forgetEarlierError(rel)
    this.store.imports.recordItem(this.batchId, rel, 'error', null)
    this.store.imports.recordError(this.batchId, rel, reason, at)
  }

  private forgetEarlierError(rel: string): void {
    const ids = this.earlierErrors.get(rel)
    if (!ids) return
    for (const id of ids) this.store.imports.deleteError(id)
    this.earlierErrors.delete(rel)
  }
}
