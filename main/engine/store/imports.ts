import { statementCache, type Db, type Sql } from './db'

export type ImportKind = 'folders' | 'flat' | 'csv'
export type BatchStatus = 'running' | 'done' | 'cancelled' | 'failed'
export type ItemOutcome = 'imported' | 'duplicate' | 'error'

export interface ImportBatch {
  id: number
  source: string
  kind: ImportKind
  status: BatchStatus
  total: number
  ignored: number
  startedAt: string
  finishedAt: string | null
  error: string | null
}

export interface ImportErrorRecord {
  id: number
  batchId: number
  path: string
  reason: string
  createdAt: string
}

export interface BatchCounts {
  imported: number
  duplicates: number
  errors: number
}

const BATCH_COLS = `id, source, kind, status, total, ignored, started_at AS startedAt, finished_at AS finishedAt, error`

export class ImportQueries {
  private readonly sql: Sql

  constructor(db: Db) {
    this.sql = statementCache(db)
  }

  createBatch(b: Pick<ImportBatch, 'source' | 'kind' | 'total' | 'ignored' | 'startedAt'>): number {
    return Number(
      this.sql(
        `INSERT INTO import_batches (source, kind, status, total, ignored, started_at)
          VALUES (@source, @kind, 'running', @total, @ignored, @startedAt)`,
      ).run(b).lastInsertRowid,
    )
  }

  batch(id: number): ImportBatch | undefined {
    return this.sql(`SELECT ${BATCH_COLS} FROM import_batches WHERE id = ?`).get(id) as ImportBatch | undefined
  }

  batches(): ImportBatch[] {
    return this.sql(`SELECT ${BATCH_COLS} FROM import_batches ORDER BY id`).all() as ImportBatch[]
  }

  /** The latest unfinished batch of this source, which a new import of it continues. */
  resumable(source: string, kind: ImportKind): ImportBatch | undefined {
    return this.sql(
      `SELECT ${BATCH_COLS} FROM import_batches
        WHERE source = ? AND kind = ? AND status IN ('running', 'cancelled', 'failed') ORDER BY id DESC LIMIT 1`,
    ).get(source, kind) as ImportBatch | undefined
  }

  /** Marks a batch running again (resume) with the latest scan's totals. */
  restartBatch(id: number, total: number, ignored: number): void {
    this.sql(
      `UPDATE import_batches SET status = 'running', total = ?, ignored = ?, finished_at = NULL, error = NULL
        WHERE id = ?`,
    ).run(total, ignored, id)
  }

  finishBatch(id: number, status: BatchStatus, at: string, error: string | null = null): void {
    this.sql('UPDATE import_batches SET status = ?, finished_at = ?, error = ? WHERE id = ?').run(status, at, error, id)
  }

  /** Relative paths this batch already handled (with any outcome). */
  handledPaths(batchId: number): Set<string> {
    const rows = this.sql('SELECT rel_path AS p FROM import_items WHERE batch_id = ?').all(batchId) as { p: string }[]
    return new Set(rows.map((r) => r.p))
  }

  recordItem(batchId: number, relPath: string, outcome: ItemOutcome, imageId: number | null): void {
    this.sql('INSERT INTO import_items (batch_id, rel_path, outcome, image_id) VALUES (?, ?, ?, ?)').run(
      batchId,
      relPath,
      outcome,
      imageId,
    )
  }

  recordError(batchId: number, relPath: string, reason: string, at: string): void {
    this.sql('INSERT INTO import_errors (batch_id, path, reason, created_at) VALUES (?, ?, ?, ?)').run(
      batchId,
      relPath,
      reason,
      at,
    )
  }

  /**
   * Errors that earlier batches of this source recorded, by relative path: a file handled again
   * replaces its old error (new reason) or clears it (it imports now), so each bad file counts once.
   */
  earlierErrors(source: string, batchId: number): Map<string, number[]> {
    const rows = this.sql(
      `SELECT e.id, e.path FROM import_errors e JOIN import_batches b ON b.id = e.batch_id
        WHERE b.source = ? AND e.batch_id <> ?`,
    ).all(source, batchId) as { id: number; path: string }[]
    const out = new Map<string, number[]>()
    for (const r of rows) out.set(r.path, [...(out.get(r.path) ?? []), r.id])
    return out
  }

  deleteError(id: number): void {
    this.sql('DELETE FROM import_errors WHERE id = ?').run(id)
  }

  counts(batchId?: number): BatchCounts {
    const where = batchId === undefined ? '' : 'WHERE batch_id = ?'
    const args = batchId === undefined ? [] : [batchId]
    const rows = this.sql(`SELECT outcome, count(*) AS n FROM import_items ${where} GROUP BY outcome`).all(...args) as {
      outcome: ItemOutcome
      n: number
    }[]
    const n = (o: ItemOutcome) => rows.find((r) => r.outcome === o)?.n ?? 0
    return { imported: n('imported'), duplicates: n('duplicate'), errors: n('error') }
  }

  errors(batchId?: number, limit = 1000): ImportErrorRecord[] {
    const where = batchId === undefined ? '' : 'WHERE batch_id = ?'
    const args = batchId === undefined ? [] : [batchId]
    return this.sql(
      `SELECT id, batch_id AS batchId, path, reason, created_at AS createdAt FROM import_errors ${where}
        ORDER BY id LIMIT ?`,
    ).all(...args, limit) as ImportErrorRecord[]
  }

  errorCount(): number {
    return (this.sql('SELECT count(*) AS n FROM import_errors').get() as { n: number }).n
  }
}
