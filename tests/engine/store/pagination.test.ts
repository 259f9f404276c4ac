import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { ValidationError } from '../../../main/engine/errors'
import type { ImageRecord, PageRequest } from '../../../main/engine/store'
import { Studio } from '../../../main/engine/studio'
import { tmpDir } from '../../helpers/fixtures'
import { insertSyntheticImages } from '../../helpers/synthetic'

const N = 2500
let studio: Studio

function all(req: PageRequest): ImageRecord[] {
  const out: ImageRecord[] = []
  let cursor: string | null = null
  do {
    const page = studio.store.images.page({ ...req, cursor })
    out.push(...page.items)
    cursor = page.nextCursor
  } while (cursor)
  return out
}

/** What the filter should match, computed in plain JS over every row. */
function expected(pred: (r: ImageRecord) => boolean, cmp: (a: ImageRecord, b: ImageRecord) => number): number[] {
  return rows
    .filter(pred)
    .sort(cmp)
    .map((r) => r.id)
}

let rows: ImageRecord[] = []
const byId = (a: ImageRecord, b: ImageRecord) => a.id - b.id
const byName = (a: ImageRecord, b: ImageRecord) => {
  const x = a.originalName.toLowerCase()
  const y = b.originalName.toLowerCase()
  return x < y ? -1 : x > y ? 1 : a.id - b.id
}
const bySize = (a: ImageRecord, b: ImageRecord) => a.bytes - b.bytes || a.id - b.id

beforeAll(() => {
  studio = Studio.init(path.join(tmpDir(), 'p'))
  insertSyntheticImages(studio, N)
  rows = all({ limit: 1000 })
})

describe('keyset pagination', () => {
  it('pages through everything once, in order, for every sort and direction', () => {
    expect(rows.map((r) => r.id)).toEqual(Array.from({ length: N }, (_, i) => i + 1))
    for (const [sort, cmp] of [
      ['imported', byId],
      ['name', byName],
      ['size', bySize],
    ] as const) {
      const asc = all({ sort, limit: 97 }).map((r) => r.id)
      expect(asc).toEqual(expected(() => true, cmp))
      const desc = all({ sort, order: 'desc', limit: 101 }).map((r) => r.id)
      expect(desc).toEqual([...asc].reverse())
    }
  })

  it('filters by class, unlabeled, origin and file-name search, alone and combined', () => {
    const ant = studio.labels.findClass('ant').id
    const bee = studio.labels.findClass('bee').id
    const cases: [PageRequest, (r: ImageRecord) => boolean][] = [
      [{ classIds: [ant] }, (r) => r.classId === ant],
      [{ classIds: [ant, bee] }, (r) => r.classId === ant || r.classId === bee],
      [{ unlabeled: true }, (r) => r.classId === null],
      [{ unlabeled: true, classIds: [bee] }, (r) => r.classId === null || r.classId === bee],
      [{ origin: 'train' }, (r) => r.origin === 'train'],
      [{ search: 'PHOTO_001' }, (r) => r.originalName.toLowerCase().includes('photo_001')],
      [{ search: 'dir7/' }, (r) => r.relPath.includes('dir7/')],
      [{ search: '%' }, () => false],
      [
        { classIds: [bee], origin: 'val', search: '_01' },
        (r) => r.classId === bee && r.origin === 'val' && r.originalName.includes('_01'),
      ],
    ]
    for (const [req, pred] of cases) {
      for (const [sort, cmp] of [
        ['imported', byId],
        ['name', byName],
        ['size', bySize],
      ] as const) {
        const got = all({ ...req, sort, limit: 64 }).map((r) => r.id)
        expect(got, JSON.stringify({ req, sort })).toEqual(expected(pred, cmp))
        expect(studio.store.images.count(req)).toBe(got.length)
      }
    }
  })

  it('deep offsets (seeking from cached anchors) agree with a full walk, and follow writes', () => {
    const check = (req: PageRequest) => {
      const full = all({ ...req, limit: 1000 }).map((r) => r.id)
      for (const offset of [999, 1000, 1001, 1999, 2000, 2001, full.length - 3, full.length, full.length + 500]) {
        const got = studio.store.images.page({ ...req, offset, limit: 7 }).items.map((r) => r.id)
        expect(got, JSON.stringify({ req, offset })).toEqual(full.slice(offset, offset + 7))
      }
    }
    const bee = studio.labels.findClass('bee').id
    for (const sort of ['imported', 'name', 'size'] as const) {
      for (const order of ['asc', 'desc'] as const) check({ sort, order })
    }
    check({ sort: 'name', classIds: [bee], unlabeled: true })
    // Writes move rows: labels change a filtered list, new names sort first. Anchors must not go stale.
    const firstBees = studio.store.images.page({ classIds: [bee], limit: 40 }).items.map((r) => r.id)
    studio.labels.setLabels(firstBees, null)
    check({ sort: 'name', classIds: [bee] })
    check({ sort: 'name', classIds: [bee], unlabeled: true })
    const before = all({ limit: 1000, sort: 'name' }).length
    insertSyntheticImages(studio, 30, ['ant'])
    expect(all({ limit: 1000, sort: 'name' }).length).toBe(before + 30)
    check({ sort: 'name' })
    check({ sort: 'imported', order: 'desc' })
  })

  it('pages stay stable while new images are added', () => {
    const first = studio.store.images.page({ limit: 50, sort: 'name' })
    insertSyntheticImages(studio, 5, ['ant'])
    const second = studio.store.images.page({ limit: 50, sort: 'name', cursor: first.nextCursor })
    const ids = new Set(first.items.map((i) => i.id))
    expect(second.items.some((i) => ids.has(i.id))).toBe(false)
    expect(byName(first.items.at(-1)!, second.items[0]!)).toBeLessThan(0)
  })

  it('rejects a forged cursor and a bad page size', () => {
    expect(() => studio.store.images.page({ cursor: 'not-a-cursor' })).toThrow(ValidationError)
    expect(() => studio.store.images.page({ limit: 0 })).toThrow(/limit/)
  })
})
