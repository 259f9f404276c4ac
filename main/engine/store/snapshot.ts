import Database from 'better-sqlite3'
import { openDatabase } from './db'

export interface SnapshotContents {
  images: { hash: string; ext: string }[]
  runs: number[]
  /** PRAGMA user_version of the copy. */
  schema: number
}

/**
 * Copies a project's database to `dest` with SQLite's online backup API from a read-only connection
 * (no lock of the project is needed; writers of other connections go on), as one self-contained file
 * (rollback journal, no WAL beside it), and lists what the copy refers to.
 */
export async function snapshotDatabase(src: string, dest: string, nativeBinding?: string): Promise<SnapshotContents> {
  const source = openDatabase(src, { readonly: true, nativeBinding })
  try {
    // One step for the whole database: a write by another connection between steps would restart it.
    await source.backup(dest, { progress: () => 1 << 30 })
  } finally {
    source.close()
  }
  const copy = new Database(dest, { fileMustExist: true, ...(nativeBinding ? { nativeBinding } : {}) })
  try {
    copy.pragma('journal_mode = DELETE')
    return {
      images: copy.prepare('SELECT hash, ext FROM images ORDER BY id').all() as SnapshotContents['images'],
      runs: (copy.prepare('SELECT id FROM runs ORDER BY id').all() as { id: number }[]).map((r) => r.id),
      schema: copy.pragma('user_version', { simple: true }) as number,
    }
  } finally {
    copy.close()
  }
}

/** PRAGMA integrity_check of a database file, as its rows ("ok" alone when sound); opened read-only. */
export function integrityOf(file: string, nativeBinding?: string): string[] {
  const db = new Database(file, { readonly: true, fileMustExist: true, ...(nativeBinding ? { nativeBinding } : {}) })
  try {
    return (db.pragma('integrity_check(100)') as { integrity_check: string }[]).map((r) => r.integrity_check)
  } finally {
    db.close()
  }
}
