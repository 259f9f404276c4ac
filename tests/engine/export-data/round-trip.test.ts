import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import sharp from 'sharp'
import { beforeAll, describe, expect, it } from 'vitest'
import { exportData } from '../../../main/engine/export-data/export-data'
import { Studio } from '../../../main/engine/studio'
import { tmpDir } from '../../helpers/fixtures'
import { listFiles, makeExportProject } from './fixture'

interface Manifest {
  images: number
  options: Record<string, unknown>
  files: {
    path: string
    sha256: string
    bytes: number
    label: string | null
    split: string | null
    reencoded: boolean
  }[]
  dataFiles: { path: string; sha256: string; bytes: number }[]
  leftOut: { unlabeled: number; missing: number }
}

const root = tmpDir('studio-export-data-')
let project: Awaited<ReturnType<typeof makeExportProject>>

/** hash → [label, origin] of every image of a project. */
function imagesOf(dir: string): Map<string, [string | null, string | null]> {
  const s = Studio.open(dir)
  try {
    const rows = s.store.images.page({ limit: 1000 }).items
    return new Map(rows.map((r) => [r.hash, [r.className, r.origin]]))
  } finally {
    s.close()
  }
}

/** hash → [label, split] of a version, as frozen. */
function versionOf(dir: string, versionId: number): Map<string, [string, string]> {
  const s = Studio.open(dir)
  try {
    const v = s.store.datasets.version(versionId)!
    return new Map(s.store.datasets.items(versionId).map((it) => [it.hash, [v.classes[it.classIndex]!.name, it.split]]))
  } finally {
    s.close()
  }
}

async function exportTo(name: string, opts: Parameters<typeof exportData>[2]) {
  const dest = path.join(root, name)
  const s = Studio.open(project.dir)
  try {
    return { dest, result: await exportData(s, dest, opts) }
  } finally {
    s.close()
  }
}

async function importInto(name: string, source: string) {
  const dir = path.join(root, name)
  const s = Studio.init(dir)
  try {
    const summary = await s.import(source)
    expect(summary.errors).toBe(0)
  } finally {
    s.close()
  }
  return imagesOf(dir)
}

const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex')

beforeAll(async () => {
  project = await makeExportProject(root)
}, 60_000)

describe('a dataset export read back by Studio', () => {
  it('class folders of a version, originals: the same images, labels and splits', async () => {
    const { dest, result } = await exportTo('folders-orig', { versionId: project.versionId, originals: true })
    const version = versionOf(project.dir, project.versionId)
    expect(result.images).toBe(version.size)
    expect(result.splits).toEqual({ train: 14, val: 5, test: 5 })
    expect(result.files).toEqual(['manifest.json'])
    const images = listFiles(dest).filter((f) => f !== 'manifest.json')
    expect(images).toHaveLength(version.size)
    for (const f of images) expect(f).toMatch(/^(train|val|test)\/(cat|dog)\/[^/]+\.(jpg|png)$/)
    const back = await importInto('back-folders', dest)
    expect(back.size).toBe(version.size)
    for (const [hash, [label, split]] of version) expect(back.get(hash)).toEqual([label, split])
  })

  it('class folders, re-encoded: every image comes back under the hash the manifest states', async () => {
    const { dest, result } = await exportTo('folders-clean', { versionId: project.versionId })
    const manifest = JSON.parse(fs.readFileSync(path.join(dest, 'manifest.json'), 'utf8')) as Manifest
    // Only the phone photo had metadata to strip; the generated files hold nothing but pixels and are copied.
    expect(result.reencoded).toBe(1)
    expect(manifest.files.filter((f) => f.reencoded).map((f) => f.path)).toEqual(['train/cat/phone.jpg'])
    const back = await importInto('back-clean', dest)
    expect(back.size).toBe(manifest.files.length)
    for (const f of manifest.files) expect(back.get(f.sha256)).toEqual([f.label, f.split])
  })

  it('CSV of a version: labels and splits come back through Studio’s CSV import', async () => {
    const { dest } = await exportTo('csv', { format: 'csv', versionId: project.versionId, originals: true })
    const version = versionOf(project.dir, project.versionId)
    const back = await importInto('back-csv', path.join(dest, 'labels.csv'))
    expect(back.size).toBe(version.size)
    for (const [hash, [label, split]] of version) expect(back.get(hash)).toEqual([label, split])
  })

  it('CSV of the current labels keeps the unlabeled images, unlabeled', async () => {
    const { dest, result } = await exportTo('csv-current', { format: 'csv', originals: true })
    const before = imagesOf(project.dir)
    expect(result.images).toBe(before.size)
    expect(result.splits).toBeNull()
    const back = await importInto('back-csv-current', path.join(dest, 'labels.csv'))
    for (const [hash, [label]] of before) expect(back.get(hash)).toEqual([label, null])
  })
})

describe('the files of an export', () => {
  it('lists every file with its true sha256 and size, with relative paths only', async () => {
    const { dest, result } = await exportTo('manifest', { format: 'csv', versionId: project.versionId })
    const manifest = JSON.parse(fs.readFileSync(path.join(dest, 'manifest.json'), 'utf8')) as Manifest
    const listed = [...manifest.files, ...manifest.dataFiles]
    expect(listed.map((f) => f.path).sort()).toEqual(listFiles(dest).filter((f) => f !== 'manifest.json'))
    for (const f of listed) {
      expect(sha256(path.join(dest, f.path))).toBe(f.sha256)
      expect(fs.statSync(path.join(dest, f.path)).size).toBe(f.bytes)
    }
    expect(result.files).toEqual(['labels.csv', 'manifest.json'])
    const everything = listFiles(dest).map((f) => fs.readFileSync(path.join(dest, f), 'latin1'))
    for (const text of everything) {
      expect(text).not.toContain(project.dir)
      expect(text).not.toContain(project.src)
      expect(text).not.toContain(root)
    }
  })

  it('strips EXIF and GPS and applies the orientation; --originals keeps the bytes', async () => {
    const { dest } = await exportTo('exif', { versionId: project.versionId })
    const { dest: origDest } = await exportTo('exif-orig', { versionId: project.versionId, originals: true })
    const phone = listFiles(dest).find((f) => f.includes('phone'))!
    expect(phone).toBe('train/cat/phone.jpg')
    const clean = await sharp(path.join(dest, phone)).metadata()
    expect(clean.exif).toBeUndefined()
    expect(clean.xmp).toBeUndefined()
    expect(clean.orientation).toBeUndefined()
    expect([clean.width, clean.height]).toEqual([20, 40])
    expect(fs.readFileSync(path.join(dest, phone)).includes('/home/someone')).toBe(false)
    // The green corner was at the top left of the sideways pixels; orientation 6 turns it to the top right.
    const { data, info } = await sharp(path.join(dest, phone)).raw().toBuffer({ resolveWithObject: true })
    const px = (x: number, y: number) => [...data.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3)]
    expect(px(18, 1)[1]).toBeGreaterThan(200)
    expect(px(1, 1)[1]).toBeLessThan(100)

    const original = await sharp(path.join(origDest, phone)).metadata()
    expect(original.orientation).toBe(6)
    // The GPS IFD pointer (tag 0x8825, little-endian) is still in the original's EXIF.
    expect(original.exif!.includes(Buffer.from([0x25, 0x88]))).toBe(true)
    const s = Studio.open(project.dir)
    try {
      for (const f of listFiles(origDest).filter((x) => x !== 'manifest.json')) {
        const stored = s.store.images.byHash(sha256(path.join(origDest, f)))
        expect(stored, f).toBeDefined()
      }
    } finally {
      s.close()
    }
  })

  it('gives colliding and unsafe names unique, portable names', async () => {
    const { dest } = await exportTo('names', { format: 'coco', versionId: project.versionId, splits: 'column' })
    const files = listFiles(dest).filter((f) => f.startsWith('images/'))
    const lower = files.map((f) => f.toLowerCase())
    expect(new Set(lower).size).toBe(files.length)
    const same = files.filter((f) => /^images\/same/i.test(f))
    expect(same).toHaveLength(3)
    expect(same.filter((f) => /^images\/same-[0-9a-f]{8}\.jpg$/i.test(f))).toHaveLength(2)
    expect(files).toContain('images/_CON.jpg')
    expect(files).toContain('images/a_b_.jpg')
    expect(files).toContain('images/caf\u00e9.jpg')
    expect(files).toContain('images/pic.png')
    for (const f of files) expect(f).not.toMatch(/[<>:"\\|?*]/)
  })
})
