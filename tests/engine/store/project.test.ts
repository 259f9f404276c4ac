import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { ConflictError, NotAProjectError, ProjectVersionError } from '../../../main/engine/errors'
import { SCHEMA_VERSION } from '../../../main/engine/store/schema'
import { initProject, openProject } from '../../../main/engine/store'
import { tmpDir } from '../../helpers/fixtures'

describe('project store', () => {
  const root = tmpDir()

  it('creates a project folder with studio.db in WAL mode, foreign keys on, migrated', () => {
    const p = initProject(path.join(root, 'a'))
    expect(fs.existsSync(path.join(root, 'a', 'studio.db'))).toBe(true)
    expect(fs.statSync(path.join(root, 'a', 'media')).isDirectory()).toBe(true)
    expect(fs.statSync(path.join(root, 'a', 'thumbs')).isDirectory()).toBe(true)
    expect(p.db.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(p.db.pragma('foreign_keys', { simple: true })).toBe(1)
    expect(p.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION)
    const tables = (
      p.db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[]
    ).map((t) => t.name)
    expect(tables).toEqual(
      expect.arrayContaining([
        'images',
        'classes',
        'label_actions',
        'label_events',
        'import_batches',
        'import_items',
        'import_errors',
      ]),
    )
    p.close()
    const again = openProject(path.join(root, 'a'))
    expect(again.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION)
    again.close()
  })

  it('refuses to init over an existing project', () => {
    initProject(path.join(root, 'b')).close()
    expect(() => initProject(path.join(root, 'b'))).toThrow(ConflictError)
  })

  it('a folder that is not a project gives a clear error and nothing is written', () => {
    const dir = path.join(root, 'plain')
    fs.mkdirSync(dir)
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'hello')
    expect(() => openProject(dir)).toThrow(NotAProjectError)
    expect(() => openProject(dir)).toThrow(/not a Studio project/)
    expect(fs.readdirSync(dir)).toEqual(['notes.txt'])
  })

  it('a folder that does not exist gives a clear error and is not created', () => {
    const dir = path.join(root, 'missing')
    expect(() => openProject(dir)).toThrow(/does not exist/)
    expect(fs.existsSync(dir)).toBe(false)
  })

  it('a project from a newer version is refused with a clear error and left as it was', () => {
    const dir = path.join(root, 'newer')
    initProject(dir).close()
    const raw = new Database(path.join(dir, 'studio.db'))
    raw.pragma(`user_version = ${SCHEMA_VERSION + 5}`)
    raw.close()
    expect(() => openProject(dir)).toThrow(ProjectVersionError)
    expect(() => openProject(dir)).toThrow(/newer Studio/)
    const check = new Database(path.join(dir, 'studio.db'), { readonly: true })
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION + 5)
    check.close()
  })
})
