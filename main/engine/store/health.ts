import { statementCache, type Db, type Sql } from './db'

/** An image's pixel signals as stored (see health/signals.ts for their meaning). */
export interface StoredSignals {
  phash: string
  brightness: number
  colourfulness: number
  sharpness: number
}

/** id, width, height, phash, brightness, colourfulness, sharpness (signals null until measured). */
export type SignalRow = [number, number, number, string | null, number | null, number | null, number | null]

/** What the health report reads of every image: size, signals (null until measured), label. */
export interface ImageHealthRow {
  id: number
  width: number
  height: number
  classId: number | null
  phash: string | null
  brightness: number | null
  colourfulness: number | null
  sharpness: number | null
}

/** One path an image was imported from, with the label that path gave. */
export interface ImageSource {
  imageId: number
  relPath: string
  label: string | null
}

export interface SkippedFile {
  source: string
  path: string
  reason: string
}

/** One row of the last report's findings: an image of a finding kind, with its group number. */
export interface FindingRow {
  kind: string
  imageId: number
  grp: number | null
}

/**
 * Queries of the data health report: pixel signals, every path/label an image came with, files
 * the import skipped, and the last report's findings (which Browse filters by).
 */
export class HealthQueries {
  private readonly sql: Sql

  constructor(db: Db) {
    this.sql = statementCache(db)
  }

  setSignals(imageId: number, s: StoredSignals): void {
    this.sql('UPDATE images SET phash = ?, brightness = ?, colourfulness = ?, sharpness = ? WHERE id = ?').run(
      s.phash,
      s.brightness,
      s.colourfulness,
      s.sharpness,
      imageId,
    )
  }

  /** Images without signals after `afterId`, in id order (the backfill's next chunk). */
  unmeasured(
    afterId: number,
    limit: number,
  ): { id: number; hash: string; ext: string; width: number; height: number }[] {
    return this.sql(
      `SELECT id, hash, ext, width, height FROM images WHERE phash IS NULL AND id > ? ORDER BY id LIMIT ?`,
    ).all(afterId, limit) as { id: number; hash: string; ext: string; width: number; height: number }[]
  }

  unmeasuredCount(): number {
    return (this.sql('SELECT count(*) AS n FROM images WHERE phash IS NULL').get() as { n: number }).n
  }

  /** Every image's size, label and signals, in id order. */
  imageRows(): ImageHealthRow[] {
    return this.sql(
      `SELECT id, width, height, class_id AS classId, phash, brightness, colourfulness, sharpness
        FROM images ORDER BY id`,
    ).all() as ImageHealthRow[]
  }

  /** Records (or updates) one path an image was imported from. */
  addSource(
    imageId: number,
    relPath: string,
    batchId: number | null,
    label: string | null,
    origin: string | null,
  ): void {
    this.sql(
      `INSERT INTO image_sources (image_id, rel_path, batch_id, label, origin) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (image_id, rel_path) DO UPDATE SET batch_id = excluded.batch_id, label = excluded.label,
        origin = excluded.origin`,
    ).run(imageId, relPath, batchId, label, origin)
  }

  sourcesOf(imageId: number): ImageSource[] {
    return this.sql(
      `SELECT image_id AS imageId, rel_path AS relPath, label FROM image_sources WHERE image_id = ?
        ORDER BY rel_path`,
    ).all(imageId) as ImageSource[]
  }

  /**
   * The sources of unlabeled images imported with more than one distinct label: conflicts still
   * waiting for the user (labeling the image decides it).
   */
  unresolvedConflicts(): ImageSource[] {
    return this.sql(
      `SELECT s.image_id AS imageId, s.rel_path AS relPath, s.label FROM image_sources s
        WHERE s.label IS NOT NULL AND s.image_id IN (
          SELECT s2.image_id FROM image_sources s2 JOIN images i ON i.id = s2.image_id
          WHERE i.class_id IS NULL AND s2.label IS NOT NULL
          GROUP BY s2.image_id HAVING count(DISTINCT s2.label COLLATE NOCASE) > 1)
        ORDER BY s.image_id, s.rel_path`,
    ).all() as ImageSource[]
  }

  /** Records a file the scan skipped as not an image. */
  recordSkipped(batchId: number, path: string, reason: string): void {
    this.sql('INSERT OR REPLACE INTO import_skipped (batch_id, path, reason) VALUES (?, ?, ?)').run(
      batchId,
      path,
      reason,
    )
  }

  /** Forgets what earlier batches of `source` skipped: the latest scan of a source says what it holds now. */
  forgetSkipped(source: string, batchId: number): void {
    this.sql(
      `DELETE FROM import_skipped WHERE batch_id <> ? AND batch_id IN (SELECT id FROM import_batches WHERE source = ?)`,
    ).run(batchId, source)
  }

  skipped(): SkippedFile[] {
    return this.sql(
      `SELECT b.source, s.path, s.reason FROM import_skipped s JOIN import_batches b ON b.id = s.batch_id
        ORDER BY s.batch_id, s.path`,
    ).all() as SkippedFile[]
  }

  /** Replaces the stored findings by these (the latest report's). */
  replaceFindings(rows: readonly FindingRow[]): void {
    this.sql('DELETE FROM health_findings').run()
    const ins = this.sql('INSERT OR IGNORE INTO health_findings (kind, image_id, grp) VALUES (?, ?, ?)')
    for (const r of rows) ins.run(r.kind, r.imageId, r.grp)
  }

  /**
   * Changes whenever anything the report reads changes: images added or measured, any label
   * event, classes created/renamed/deleted, versions frozen, import errors, skips and sources.
   * Unrelated writes (training epochs, scores) leave it alone, so the cached report stays valid.
   */
  signature(): string {
    const row = this.sql(
      `SELECT
        (SELECT count(*) FROM images) || ':' || (SELECT coalesce(max(id), 0) FROM images) || ':' ||
        (SELECT count(*) FROM images WHERE phash IS NULL) || ':' ||
        (SELECT coalesce(max(id), 0) FROM label_events) || ':' ||
        (SELECT count(*) || '/' || coalesce(max(id), 0) FROM import_errors) || ':' ||
        (SELECT count(*) FROM import_skipped) || ':' || (SELECT count(*) FROM image_sources) || ':' ||
        (SELECT coalesce(max(id), 0) FROM dataset_versions) || ':' ||
        (SELECT coalesce(group_concat(id || '=' || name || '=' || coalesce(deleted_at, ''), ','), '') FROM classes)
        AS s`,
    ).get() as { s: string }
    return row.s
  }

  /**
   * Signature of the images and their signals alone (rows are only ever added, and signals only
   * go from NULL to measured): what near-duplicate groups and outliers depend on.
   */
  imageSignature(): string {
    const row = this.sql(
      `SELECT (SELECT count(*) FROM images) || ':' || (SELECT coalesce(max(id), 0) FROM images) || ':' ||
        (SELECT count(*) FROM images WHERE phash IS NULL) AS s`,
    ).get() as { s: string }
    return row.s
  }

  /** Every image's size and signals in id order, as arrays (100,000 rows: objects cost twice as much). */
  signalRows(): SignalRow[] {
    return this.sql('SELECT id, width, height, phash, brightness, colourfulness, sharpness FROM images ORDER BY id')
      .raw(true)
      .all() as SignalRow[]
  }

  /** Every image's id and content hash, in id order (cached backbone features are filed by hash). */
  contentHashes(): [number, string][] {
    return this.sql('SELECT id, hash FROM images ORDER BY id').raw(true).all() as [number, string][]
  }

  /** Image ids with a perceptual hash, the hashes and the images' tone, in id order. */
  hashes(): { ids: number[]; hashes: string[]; tone: { brightness: number[]; colourfulness: number[] } } {
    const rows = this.sql('SELECT id, phash, brightness, colourfulness FROM images WHERE phash IS NOT NULL ORDER BY id')
      .raw(true)
      .all() as [number, string, number | null, number | null][]
    return {
      ids: rows.map((r) => r[0]),
      hashes: rows.map((r) => r[1]),
      tone: { brightness: rows.map((r) => r[2] ?? 0), colourfulness: rows.map((r) => r[3] ?? 0) },
    }
  }
}
