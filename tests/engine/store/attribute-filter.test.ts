import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { ATTRIBUTE_TOP_VALUES } from '../../../main/engine/api/requests'
import { setAttribute } from '../../../main/engine/attributes/attributes'
import type { AttributeFilter, ImageSort, PageRequest } from '../../../main/engine/store'
import { Studio } from '../../../main/engine/studio'
import { tmpDir } from '../../helpers/fixtures'
import { insertSyntheticImages } from '../../helpers/synthetic'

// Browse's attribute filter over 10,000 rows: known answers for values, "no value", "other" and the
// built-ins, in every sort, and query plans that stay index searches or walks that stop with the page.
const N = 10_000
let studio: Studio
let all: number[]
/** image id → its stored value, per attribute. */
const site = new Map<number, string>()
const camera = new Map<number, string>()
const lens = new Map<number, string>()

const byValue = (m: Map<number, string>, v: string) => [...m].filter(([, x]) => x === v).map(([id]) => id)

beforeAll(() => {
  studio = Studio.init(path.join(tmpDir(), 'p'))
  insertSyntheticImages(studio, N)
  all = studio.store.images.page({ limit: 1000 }).items.map((i) => i.id)
  for (let offset = 1000; offset < N; offset += 1000) {
    all.push(...studio.store.images.page({ limit: 1000, offset }).items.map((i) => i.id))
  }
  // site: 5,000 south (a walk: 5,000² > 10,000 × 1,000), 1,000 north, 3 east (lists), 3,997 without.
  all.forEach((id, k) => {
    if (k % 2 === 0) site.set(id, 'south')
    else if (k % 10 === 1) site.set(id, 'north')
    else if (k === 3 || k === 7 || k === 9999) site.set(id, 'east')
  })
  // camera on 9,500 images: 300 values, c000–c019 on 119 images, c020–c059 on 118 (ties broken by
  // value), c060–c299 on 10; "other" (past the top 50: c050–c299) holds 10 × 118 + 240 × 10 = 3,580: a walk.
  all.slice(0, 9500).forEach((id, k) => {
    const v = k < 3000 ? k % 300 : k % 60
    camera.set(id, `c${String(v).padStart(3, '0')}`)
  })
  // lens: 55 values, t00 on 55 images down to t54 on 1; "other" holds 15 images: a list.
  let k = 0
  for (let v = 0; v < 55; v++)
    for (let j = 0; j < 55 - v; j++) lens.set(all[k++ * 3]!, `t${String(v).padStart(2, '0')}`)
  for (const [m, name] of [
    [site, 'site'],
    [camera, 'camera'],
    [lens, 'lens'],
  ] as const) {
    for (const v of new Set(m.values())) setAttribute(studio.store, byValue(m, v), name, v)
  }
  // Built-ins: brightness on every 7th image (dark below 85), the rest unmeasured; 60 origins on the first 600.
  const db = studio.store.db
  db.prepare('UPDATE images SET brightness = (id % 3) * 80 WHERE id % 7 = 0').run()
  db.prepare("UPDATE images SET origin = 'o' || (id % 60) WHERE id <= 600").run()
  db.prepare('UPDATE images SET origin = NULL WHERE id BETWEEN 601 AND 610').run()
})

/** Every id the filter matches, in the query's order, walked page by page by offset (anchors past 1,000). */
function walk(attribute: AttributeFilter, sort: ImageSort = 'imported', order: 'asc' | 'desc' = 'asc'): number[] {
  const out: number[] = []
  for (let offset = 0; ; offset += 500) {
    const items = studio.store.images.page({ attribute, sort, order, limit: 500, offset }).items
    out.push(...items.map((i) => i.id))
    if (items.length < 500) return out
  }
}

/** The ids in the unfiltered order of that sort, kept where `keep` holds. */
function expected(keep: (id: number) => boolean, sort: ImageSort = 'imported', order: 'asc' | 'desc' = 'asc') {
  const key = `${sort} ${order}`
  let ordered = orders.get(key)
  if (!ordered) {
    ordered = []
    for (let offset = 0; offset < N; offset += 1000) {
      ordered.push(...studio.store.images.page({ sort, order, limit: 1000, offset }).items.map((i) => i.id))
    }
    orders.set(key, ordered)
  }
  return ordered.filter(keep)
}
/** The unfiltered orders (no test adds or removes images). */
const orders = new Map<string, number[]>()

describe('filtering by a stored attribute', () => {
  it('a value (listed or walked), no value, in every sort and order: the right images, counted right', () => {
    const cases: [AttributeFilter, (id: number) => boolean, number][] = [
      [{ name: 'site', value: 'south' }, (id) => site.get(id) === 'south', 5000],
      [{ name: 'Site', value: 'north' }, (id) => site.get(id) === 'north', 1000],
      [{ name: 'site', value: 'east' }, (id) => site.get(id) === 'east', 3],
      [{ name: 'site', value: null }, (id) => !site.has(id), 3997],
      [{ name: 'site', value: 'west' }, () => false, 0],
      [{ name: 'weather', value: null }, () => true, N],
    ]
    for (const [attribute, keep, n] of cases) {
      expect(studio.store.images.count({ attribute })).toBe(n)
      for (const sort of ['imported', 'name', 'size'] as const) {
        for (const order of ['asc', 'desc'] as const) {
          expect(walk(attribute, sort, order), `${JSON.stringify(attribute)} ${sort} ${order}`).toEqual(
            expected(keep, sort, order),
          )
        }
      }
    }
  })

  it('"other" holds every value past the top 50 (by count, ties by value) and no image without a value', () => {
    for (const [m, name, n] of [
      [camera, 'camera', 3580],
      [lens, 'lens', 15],
    ] as const) {
      const counts = new Map<string, number>()
      for (const v of m.values()) counts.set(v, (counts.get(v) ?? 0) + 1)
      const ranked = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([v]) => v)
      const top = new Set(ranked.slice(0, ATTRIBUTE_TOP_VALUES))
      const keep = (id: number) => m.has(id) && !top.has(m.get(id)!)
      const want = expected(keep)
      expect(want.length).toBe(n)
      expect(studio.store.images.count({ attribute: { name, other: true } })).toBe(want.length)
      expect(walk({ name, other: true })).toEqual(want)
      expect(walk({ name, other: true }, 'name', 'desc')).toEqual(expected(keep, 'name', 'desc'))
    }
    expect(studio.store.images.count({ attribute: { name: 'site', other: true } })).toBe(0)
    // Combined with another filter: both must hold.
    const unlabeled = new Set(all.filter((id) => studio.store.images.get(id)!.classId === null))
    const both = studio.store.images.page({ unlabeled: true, attribute: { name: 'site', value: 'north' }, limit: 1000 })
    const want = expected((id) => unlabeled.has(id) && site.get(id) === 'north')
    expect(want.length).toBeGreaterThan(100)
    expect(both.items.map((i) => i.id)).toEqual(want)
  })

  it('follows writes: a value set or cleared shows in the next page and count', () => {
    const id = all[5]!
    expect(site.has(id)).toBe(false)
    const before = studio.store.images.count({ attribute: { name: 'site', value: 'east' } })
    setAttribute(studio.store, [id], 'site', 'east')
    expect(studio.store.images.count({ attribute: { name: 'site', value: 'east' } })).toBe(before + 1)
    expect(walk({ name: 'site', value: 'east' })).toContain(id)
    studio.store.attributes.clear([id], 'site')
    expect(walk({ name: 'site', value: 'east' })).not.toContain(id)
  })
})

describe('filtering by a built-in attribute', () => {
  it('brightness, origin (with its "(none)" and "other") and size match the row', () => {
    const rows = new Map(
      (
        studio.store.db.prepare('SELECT id, brightness, origin, width, height FROM images').all() as {
          id: number
          brightness: number | null
          origin: string | null
        }[]
      ).map((r) => [r.id, r]),
    )
    const cases: [AttributeFilter, (id: number) => boolean][] = [
      [{ name: 'brightness', value: 'dark' }, (id) => (rows.get(id)!.brightness ?? 999) < 85],
      [{ name: 'brightness', value: 'unknown' }, (id) => rows.get(id)!.brightness === null],
      [{ name: 'origin', value: '(none)' }, (id) => rows.get(id)!.origin === null],
      [{ name: 'origin', value: 'o7' }, (id) => rows.get(id)!.origin === 'o7'],
      [{ name: 'size', value: '128–511' }, () => true],
      [{ name: 'size', value: '≥1024' }, () => false],
      [{ name: 'batch', value: 'unknown' }, () => true],
      [{ name: 'colour', value: null }, () => false],
    ]
    for (const [attribute, keep] of cases) {
      for (const sort of ['imported', 'name'] as const) {
        expect(walk(attribute, sort), `${JSON.stringify(attribute)} ${sort}`).toEqual(expected(keep, sort))
      }
      expect(studio.store.images.count({ attribute })).toBe(expected(keep).length)
    }
    // 63 origins: train, val (most common), then (none) and o0…o59 by count, ties by value.
    const origins = studio.store.attributes.valueCounts('origin').values.map((v) => v.value)
    const other = new Set(origins.slice(ATTRIBUTE_TOP_VALUES))
    expect(other.size).toBe(63 - ATTRIBUTE_TOP_VALUES)
    const keep = (id: number) => other.has(rows.get(id)!.origin ?? '(none)')
    expect(walk({ name: 'origin', other: true })).toEqual(expected(keep))
    expect(studio.store.images.count({ attribute: { name: 'origin', other: true } })).toBe(expected(keep).length)
  })
})

describe('query plans at 10,000 rows', () => {
  const plan = (req: PageRequest) => studio.store.images.plan({ limit: 100, ...req })
  const text = (lines: string[]) => lines.join(' | ')

  it('a stored value pages by an index search or a walk along the sort index with a key probe', () => {
    // Imported order: a list of ids from (name, value, image_id) is already in order, so any value lists.
    // By name or size a list is fetched and sorted: north (1,000 images) lists, south (5,000) walks.
    // No value has no index to list from: always a walk.
    for (const sort of ['imported', 'name', 'size'] as const) {
      for (const value of ['north', 'south', null]) {
        const p = plan({ sort, attribute: { name: 'site', value } })
        const page = text(p.page)
        // image_attributes is only ever searched by an index or its key, never scanned.
        expect(text([...p.page, ...p.count])).not.toMatch(/SCAN (a|image_attributes)\b/)
        if (value === 'north' || (value === 'south' && sort === 'imported')) {
          expect(page).toMatch(/SEARCH a USING COVERING INDEX image_attributes_value \(name=\? AND value=\?\)/)
          expect(page).toMatch(/SEARCH i USING INTEGER PRIMARY KEY \(rowid=\?\)/)
          if (sort === 'imported') expect(page).not.toMatch(/TEMP B-TREE/)
        } else {
          // Walk the sort order, probe each row's value by key; nothing to sort.
          expect(page).toMatch(/SEARCH a USING PRIMARY KEY \(image_id=\? AND name=\?\)/)
          expect(page).not.toMatch(/TEMP B-TREE/)
          const walked = {
            imported: /SCAN i\b(?! USING)/,
            name: /SCAN i USING INDEX images_name/,
            size: /images_bytes/,
          }
          expect(page).toMatch(walked[sort])
        }
      }
    }
    // Counting a value with other filters reads its index entries (alone, its cached count answers).
    expect(text(plan({ unlabeled: true, attribute: { name: 'site', value: 'south' } }).count)).toMatch(
      /SEARCH a USING COVERING INDEX image_attributes_value \(name=\? AND value=\?\)/,
    )
  })

  it('a page after a cursor seeks to it; "other" lists or walks the same way', () => {
    const page = studio.store.images.page({ attribute: { name: 'site', value: null }, limit: 100 })
    const next = plan({ attribute: { name: 'site', value: null }, cursor: page.nextCursor })
    expect(text(next.page)).toMatch(/SEARCH i USING INTEGER PRIMARY KEY \(rowid>\?\)/)
    // "other" of lens (15 images): a list from the index, one search per value past the top.
    const few = text(plan({ attribute: { name: 'lens', other: true } }).page)
    expect(few).toMatch(/SEARCH a USING COVERING INDEX image_attributes_value \(name=\? AND value=\?\)/)
    expect(few).not.toMatch(/TEMP B-TREE/)
    // "other" of camera (3,580 images) by name: a walk with a key probe.
    const many = text(plan({ sort: 'name', attribute: { name: 'camera', other: true } }).page)
    expect(many).toMatch(/SEARCH a USING PRIMARY KEY \(image_id=\? AND name=\?\)/)
    expect(many).not.toMatch(/TEMP B-TREE/)
    expect(`${few} ${many}`).not.toMatch(/SCAN (a|image_attributes)\b/)
  })

  it('every built-in pages in imported order by its own (value, id) index, no sort', () => {
    const values = { origin: 'train', batch: 'unknown', size: '128–511', colour: 'unknown', brightness: 'dark' }
    for (const [name, value] of Object.entries(values)) {
      const p = plan({ attribute: { name, value } })
      expect(text(p.page)).toMatch(new RegExp(`SEARCH i USING INDEX images_attr_${name} \\(<expr>=\\?\\)`))
      expect(text(p.page)).not.toMatch(/TEMP B-TREE/)
      expect(text(p.count)).toMatch(new RegExp(`USING COVERING INDEX images_attr_${name}`))
    }
    // By name, a value of most images walks the name index instead of sorting them.
    expect(text(plan({ sort: 'name', attribute: { name: 'size', value: '128–511' } }).page)).toMatch(
      /SCAN i USING INDEX images_name/,
    )
  })
})
