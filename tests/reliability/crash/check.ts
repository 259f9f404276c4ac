import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'

/**
 * What every crash trial checks on the project it killed: the database is intact (integrity and
 * foreign keys), and what the rows say is on disk is there. Read with a plain connection, so no
 * Studio code (migrations, repairs) runs before the check.
 */

export function openRaw(dir: string): Database.Database {
  return new Database(path.join(dir, 'studio.db'), { fileMustExist: true })
}

/** 'ok', or what `PRAGMA integrity_check` / `foreign_key_check` reported. */
export function integrity(dir: string): string {
  const db = openRaw(dir)
  try {
    const ic = db.pragma('integrity_check', { simple: true }) as string
    if (ic !== 'ok') return ic
    const fk = db.pragma('foreign_key_check') as unknown[]
    return fk.length ? `foreign_key_check: ${fk.length} rows, e.g. ${JSON.stringify(fk[0])}` : 'ok'
  } finally {
    db.close()
  }
}

export function query<T>(dir: string, sql: string, ...params: unknown[]): T[] {
  const db = openRaw(dir)
  try {
    return db.prepare(sql).all(...params) as T[]
  } finally {
    db.close()
  }
}

export function scalar(dir: string, sql: string, ...params: unknown[]): number {
  const row = query<Record<string, number>>(dir, sql, ...params)[0]
  return row ? Number(Object.values(row)[0]) : 0
}

/** Labels by image id (null = unlabeled), from the images table. */
export function labelsOf(dir: string): Map<number, number | null> {
  return new Map(
    query<{ id: number; c: number | null }>(dir, 'SELECT id, class_id AS c FROM images').map((r) => [r.id, r.c]),
  )
}

/** Image rows whose original is missing or does not hash to the row's hash. */
export function badOriginals(dir: string): string[] {
  const rows = query<{ hash: string; ext: string }>(dir, 'SELECT hash, ext FROM images')
  const bad: string[] = []
  for (const r of rows) {
    const file = path.join(dir, 'media', r.hash.slice(0, 2), r.hash + r.ext)
    if (!fs.existsSync(file)) bad.push(`${r.hash.slice(0, 12)} missing`)
    else if (createHash('sha256').update(fs.readFileSync(file)).digest('hex') !== r.hash)
      bad.push(`${r.hash.slice(0, 12)} hash differs`)
  }
  return bad
}

/** Files of a folder tree, relative, sorted. */
export function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return []
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort()
}
