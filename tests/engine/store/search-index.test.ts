import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PageRequest } from '../../../main/engine/store'
import { MIGRATIONS } from '../../../main/engine/store/schema'
import { Studio } from '../../../main/engine/studio'
import { tmpDir } from '../../helpers/fixtures'
import { insertSyntheticImages } from '../../helpers/synthetic'

// Browse's search through the trigram index (migration 9): the same images as a LIKE over every row.
let studio: Studio
const at = new Date().toISOString()
const add = (originalName: string, relPath: string) =>
  studio.store.images.insert({
    hash: `${studio.store.images.total() + 1}`.padStart(64, 'e'),
    originalName,
    relPath,
    ext: '.jpg',
    format: 'jpeg',
    width: 10,
    height: 10,
    bytes: 1,
    origin: null,
    batchId: null,
    importedAt: at,
  })

beforeAll(() => {
  studio = Studio.init(path.join(tmpDir(), 'p'))
  // 2,500 rows "photo_0000.jpg" … (every name 2–3 times: a common text), and a few odd names.
  insertSyntheticImages(studio, 2500)
  studio.store.tx(() => {
    add('Été à Paris.JPG', 'vacances/Été à Paris.JPG')
    add('été.jpg', 'x/été.jpg')
    add('100% "real"_cat.png', 'odd/100% "real"_cat.png')
    add('1000 real cat.png', 'odd/1000 real cat.png')
    add('UPPER.PNG', 'Deep/Folder/UPPER.PNG')
  })
})
afterAll(() => studio.close())

const ids = (req: PageRequest) => {
  const out: number[] = []
  let cursor: string | null = null
  do {
    const page = studio.store.images.page({ ...req, limit: 7, cursor })
    out.push(...page.items.map((i) => i.id))
    cursor = page.nextCursor
  } while (cursor)
  return out
}

/** SQLite's LIKE over every row, as the search was before the index: ASCII letters fold, others do not. */
function like(search: string): number[] {
  const fold = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase())
  const rows = studio.store.db
    .prepare('SELECT id, original_name AS n, rel_path AS p FROM images ORDER BY id')
    .all() as {
    id: number
    n: string
    p: string
  }[]
  return rows.filter((r) => fold(r.n).includes(fold(search)) || fold(r.p).includes(fold(search))).map((r) => r.id)
}

describe('search by the trigram index', () => {
  it('finds exactly what LIKE finds: case of ASCII letters only, %, _, quotes, spaces, folders', () => {
    for (const search of [
      'photo_0012',
      'PHOTO_0012',
      'été',
      'ÉTÉ',
      'Été à',
      '100%',
      '"real"_',
      'real cat',
      'deep/fold',
      'upper.png',
      'nothing here',
    ])
      expect(ids({ search }), search).toEqual(like(search))
    // ÉTÉ: the index folds É to é, LIKE does not: the LIKE test keeps LIKE's answer (the capitalised name).
    expect(like('ÉTÉ')).toHaveLength(0)
    expect(ids({ search: 'Été' })).toHaveLength(1)
  })

  it('counts and pages the same with other filters and sorts', () => {
    const ant = studio.labels.findClass('ant').id
    for (const req of [
      { search: 'photo_001', classIds: [ant] },
      { search: 'photo_001', sort: 'name' as const, order: 'desc' as const },
      { search: 'dir3/photo_12', unlabeled: true },
    ]) {
      const got = ids(req)
      expect(got.length).toBeGreaterThan(0)
      expect(studio.store.images.count(req)).toBe(got.length)
    }
  })

  it('asks the index for rare text and walks with LIKE for common text (no list of thousands sorted per page)', () => {
    const plan = (search: string) => studio.store.images.plan({ search }).page.join(' | ')
    expect(plan('photo_0012')).toMatch(/images_search/)
    expect(plan('photo')).not.toMatch(/images_search/) // 2,500 matches
    expect(plan('ph')).not.toMatch(/images_search/) // under 3 characters: the index cannot tell
    expect(ids({ search: 'ph' })).toEqual(like('ph'))
  })

  it('a search with a NUL character answers as LIKE did instead of failing (an FTS5 phrase ends at NUL)', () => {
    const search = 'photo_0012\u0000x'
    const pattern = `%${search.replace(/[\\%_]/g, (m) => '\\' + m)}%`
    const want = studio.store.db
      .prepare(
        `SELECT id FROM images WHERE original_name LIKE ? ESCAPE '\\' OR rel_path LIKE ? ESCAPE '\\' ORDER BY id`,
      )
      .pluck()
      .all(pattern, pattern)
    expect(ids({ search })).toEqual(want)
    expect(studio.store.images.count({ search })).toBe(want.length)
  })

  it('follows new, renamed and deleted images', () => {
    const id = add('zebra-crossing.jpg', 'street/zebra-crossing.jpg')
    expect(ids({ search: 'zebra' })).toEqual([id])
    studio.store.db
      .prepare('UPDATE images SET original_name = ?, rel_path = ? WHERE id = ?')
      .run('okapi.jpg', 'zoo/okapi.jpg', id)
    expect(ids({ search: 'zebra' })).toEqual([])
    expect(ids({ search: 'okapi' })).toEqual([id])
    studio.store.db.prepare('DELETE FROM image_sources WHERE image_id = ?').run(id)
    studio.store.db.prepare('DELETE FROM images WHERE id = ?').run(id)
    expect(ids({ search: 'okapi' })).toEqual([])
    expect(
      studio.store.db.prepare(`INSERT INTO images_search (images_search) VALUES ('integrity-check')`).run(),
    ).toBeTruthy()
  })
})

describe('migration 9', () => {
  it('indexes the images of a project made before it', () => {
    const dir = tmpDir()
    const file = path.join(dir, 'old.db')
    const raw = new Database(file)
    for (const [v, sql] of MIGRATIONS.slice(0, 8).entries()) {
      raw.exec(sql)
      raw.pragma(`user_version = ${v + 1}`)
    }
    raw
      .prepare(
        `INSERT INTO images (hash, original_name, rel_path, ext, format, width, height, bytes, imported_at)
        VALUES ('${'a'.repeat(64)}', 'old-photo.jpg', 'before/old-photo.jpg', '.jpg', 'jpeg', 1, 1, 1, 'then')`,
      )
      .run()
    raw.close()
    fs.mkdirSync(path.join(dir, 'proj'))
    fs.renameSync(file, path.join(dir, 'proj', 'studio.db'))
    const old = Studio.open(path.join(dir, 'proj'))
    try {
      expect(old.store.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length)
      expect(old.store.images.page({ search: 'old-photo' }).items.map((i) => i.relPath)).toEqual([
        'before/old-photo.jpg',
      ])
    } finally {
      old.close()
    }
  })
})
