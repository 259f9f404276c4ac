import { statementCache, type Db, type Sql } from './db'

/** How many images' stored originals carry GPS; `unchecked`: imported before Studio looked. */
export interface GpsCounts {
  withGps: number
  withoutGps: number
  unchecked: number
}

/** Project settings (a JSON value per key), GPS flags of images and the stored import sources. */
export class PrivacyQueries {
  private readonly sql: Sql

  constructor(db: Db) {
    this.sql = statementCache(db)
  }

  setting(key: string): unknown {
    const row = this.sql('SELECT value FROM project_settings WHERE key = ?').get(key) as { value: string } | undefined
    return row === undefined ? undefined : JSON.parse(row.value)
  }

  setSetting(key: string, value: unknown): void {
    this.sql(
      'INSERT INTO project_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ).run(key, JSON.stringify(value))
  }

  setGps(imageId: number, gps: boolean): void {
    this.sql('UPDATE images SET gps = ? WHERE id = ?').run(gps ? 1 : 0, imageId)
  }

  gpsCounts(): GpsCounts {
    const rows = this.sql('SELECT gps, count(*) AS n FROM images GROUP BY gps').all() as {
      gps: number | null
      n: number
    }[]
    const n = (v: number | null) => rows.find((r) => r.gps === v)?.n ?? 0
    return { withGps: n(1), withoutGps: n(0), unchecked: n(null) }
  }

  /** Every import batch's stored source (absolute path, or a forgotten one's name and key). */
  batchSources(): { id: number; source: string }[] {
    return this.sql('SELECT id, source FROM import_batches ORDER BY id').all() as { id: number; source: string }[]
  }

  /**
   * Runs `fn` with SQLite's secure_delete on (what it overwrites or deletes is zeroed in the file,
   * not left in free space), then checkpoints the WAL so old copies of the pages leave it too
   * (best effort: a reader of another connection can hold some frames until it ends).
   */
  scrubbing<T>(db: Db, fn: () => T): T {
    const before = db.pragma('secure_delete', { simple: true }) as number
    db.pragma('secure_delete = ON')
    try {
      return fn()
    } finally {
      db.pragma(`secure_delete = ${before}`)
      db.pragma('wal_checkpoint(TRUNCATE)')
    }
  }

  setBatchSource(id: number, source: string): void {
    this.sql('UPDATE import_batches SET source = ? WHERE id = ?').run(source, id)
  }

  /** Images after `afterId` in id order, with what `studio check` needs to find and verify their files. */
  imageFiles(afterId: number, limit: number): ImageFileRow[] {
    return this.sql(`SELECT id, hash, ext, width, height, gps FROM images WHERE id > ? ORDER BY id LIMIT ?`).all(
      afterId,
      limit,
    ) as ImageFileRow[]
  }

  /** Where an image was imported from: its batches' stored sources and its paths below them. */
  importedFrom(imageId: number): { source: string; relPath: string }[] {
    return this.sql(
      `SELECT b.source, s.rel_path AS relPath FROM image_sources s JOIN import_batches b ON b.id = s.batch_id
        WHERE s.image_id = ? ORDER BY s.batch_id DESC`,
    ).all(imageId) as { source: string; relPath: string }[]
  }

  /** PRAGMA integrity_check's rows ("ok" alone when sound) and foreign keys that point nowhere. */
  verify(db: Db): { integrity: string[]; foreignKeys: number } {
    const integrity = (db.pragma('integrity_check(100)') as { integrity_check: string }[]).map((r) => r.integrity_check)
    return { integrity, foreignKeys: (db.pragma('foreign_key_check') as unknown[]).length }
  }
}

export interface ImageFileRow {
  id: number
  hash: string
  ext: string
  width: number
  height: number
  gps: number | null
}
