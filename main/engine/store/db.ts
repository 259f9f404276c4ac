import Database from 'better-sqlite3'
import { ProjectVersionError } from '../errors'
import { MIGRATIONS, SCHEMA_VERSION } from './schema'

export type Db = Database.Database

export interface OpenDbOptions {
  /** Create the file when missing (only `initProject` does). */
  create?: boolean
  readonly?: boolean
  /** Path to a better-sqlite3 native build (the Electron shell passes its own ABI build). */
  nativeBinding?: string
}

/** Opens `studio.db`, sets the pragmas every connection needs and runs pending migrations. */
export function openDatabase(file: string, opts: OpenDbOptions = {}): Db {
  const db = new Database(file, {
    fileMustExist: !opts.create,
    readonly: opts.readonly ?? false,
    ...(opts.nativeBinding ? { nativeBinding: opts.nativeBinding } : {}),
  })
  try {
    if (!opts.readonly) {
      db.pragma('journal_mode = WAL')
      db.pragma('synchronous = NORMAL')
    }
    db.pragma('foreign_keys = ON')
    db.pragma('busy_timeout = 5000')
    const version = db.pragma('user_version', { simple: true }) as number
    if (version > SCHEMA_VERSION) {
      throw new ProjectVersionError(
        `${file} was written by a newer Studio (schema ${version}; this version reads up to ${SCHEMA_VERSION}). Update Studio to open it.`,
      )
    }
    if (version < SCHEMA_VERSION && !opts.readonly) migrate(db, version)
    return db
  } catch (err) {
    db.close()
    throw err
  }
}

function migrate(db: Db, from: number): void {
  const run = db.transaction(() => {
    for (let v = from; v < SCHEMA_VERSION; v++) {
      db.exec(MIGRATIONS[v]!)
      db.pragma(`user_version = ${v + 1}`)
    }
  })
  run()
}

/** A prepared-statement lookup by SQL text. */
export type Sql = (sql: string) => Database.Statement

/** Prepares each SQL text once per connection; query classes call it instead of `db.prepare`. */
export function statementCache(db: Db): Sql {
  const cache = new Map<string, Database.Statement>()
  return (sql) => {
    let stmt = cache.get(sql)
    if (!stmt) cache.set(sql, (stmt = db.prepare(sql)))
    return stmt
  }
}

/**
 * Changes whenever any connection commits or this one writes: what a query class caches from the
 * data (offset anchors, value counts) is stale then.
 */
export function dataStamp(sql: Sql): string {
  const v = sql('PRAGMA data_version').get() as { data_version: number }
  const t = sql('SELECT total_changes() AS t').get() as { t: number }
  return `${v.data_version}:${t.t}`
}
