import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { ValidationError } from '../../../main/engine/errors'
import { exportData } from '../../../main/engine/export-data/export-data'
import { thumbFile } from '../../../main/engine/media/formats'
import { changeSettings, readSettings, storedSourcePaths } from '../../../main/engine/privacy/settings'
import { carriesGps, stripMetadata } from '../../../main/engine/privacy/strip'
import { Studio } from '../../../main/engine/studio'
import { tmpDir } from '../../helpers/fixtures'

/**
 * Privacy of what is stored: GPS counted at import, stripped from stored originals when the project
 * says so (orientation kept, pixels untouched), and import source paths kept or forgotten.
 */

/** GPSLatitude 51° 30′ 7″ as EXIF rationals: these bytes are the position in the file. */
const LAT = '51/1 30/1 7/1'
const latBytes = Buffer.from([0, 0, 0, 51, 0, 0, 0, 1, 0, 0, 0, 30, 0, 0, 0, 1, 0, 0, 0, 7, 0, 0, 0, 1])
const latBytesLe = Buffer.from([51, 0, 0, 0, 1, 0, 0, 0, 30, 0, 0, 0, 1, 0, 0, 0, 7, 0, 0, 0, 1, 0, 0, 0])
const hasLat = (b: Buffer) => b.includes(latBytes) || b.includes(latBytesLe)

/** A 60×30 image (shown 30×60: orientation 6) with camera make and a GPS position. */
async function geotagged(file: string, fmt: 'jpeg' | 'png' | 'webp', seed: number): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  await sharp({ create: { width: 60, height: 30, channels: 3, background: { r: seed * 40, g: 90, b: 200 - seed } } })
    .withExif({
      IFD0: { Make: 'AcmeCam' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: LAT, GPSLongitudeRef: 'W', GPSLongitude: '0/1 7/1 0/1' },
    })
    .withMetadata({ orientation: 6 })
    .toFormat(fmt)
    .toFile(file)
}

async function plain(file: string, seed: number): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  await sharp({ create: { width: 20, height: 20, channels: 3, background: { r: seed, g: 0, b: 0 } } })
    .png()
    .toFile(file)
}

async function source(root: string): Promise<string> {
  const src = path.join(root, 'holiday photos')
  await geotagged(path.join(src, 'beach', 'a.jpg'), 'jpeg', 1)
  await geotagged(path.join(src, 'beach', 'b.png'), 'png', 2)
  await geotagged(path.join(src, 'city', 'c.webp'), 'webp', 3)
  await plain(path.join(src, 'city', 'd.png'), 4)
  return src
}

const stored = (s: Studio) =>
  s.store.images
    .page({ limit: 100 })
    .items.map((i) => ({ img: i, buf: fs.readFileSync(s.originalPath(s.image(i.id))) }))

describe('GPS in XMP', () => {
  it('is counted, and strip gps blanks only the GPS properties of the packet', async () => {
    const xmp =
      '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
      '<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/" ' +
      'exif:GPSLatitude="51,30.1N" exif:GPSLongitude="0,7.5W"><dc:creator>Ada</dc:creator>' +
      '<exif:GPSAltitude>12/1</exif:GPSAltitude></rdf:Description></rdf:RDF></x:xmpmeta>'
    const buf = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#468' } })
      .withXmp(xmp)
      .jpeg()
      .toBuffer()
    expect(carriesGps(buf, await sharp(buf).metadata())).toBe(true)
    const out = await stripMetadata(buf, 'gps')
    expect(out.how).toBe('edited')
    expect(out.buf.length).toBe(buf.length)
    const meta = await sharp(out.buf).metadata()
    expect(carriesGps(out.buf, meta)).toBe(false)
    const text = meta.xmp!.toString('utf8')
    expect(text).toContain('<dc:creator>Ada</dc:creator>')
    expect(text).not.toMatch(/GPS|51,30/)
  })

  it('an EXIF block too damaged to walk is not kept under strip gps: the image is written again', async () => {
    const tagged = path.join(tmpDir(), 'a.jpg')
    await geotagged(tagged, 'jpeg', 1)
    const buf = fs.readFileSync(tagged)
    // IFD0's offset (4 bytes after the TIFF header's 42) pointed far past the block.
    const tiff = buf.indexOf(Buffer.from('MM\0*', 'latin1'))
    const at = tiff >= 0 ? tiff : buf.indexOf(Buffer.from('II*\0', 'latin1'))
    buf.writeUInt32BE(0x7ffffff0, at + 4)
    expect(hasLat(buf)).toBe(true)
    const out = await stripMetadata(buf, 'gps')
    expect(out.how).toBe('re-encoded')
    expect(hasLat(out.buf)).toBe(false)
    // No decoder could read the orientation either; the pixels are as they were shown.
    expect((await sharp(out.buf).metadata()).orientation ?? 1).toBe(1)
  })
})

describe('privacy of stored originals', () => {
  const root = tmpDir()
  let src = ''

  it('keeps originals byte for byte by default and counts the images carrying GPS', async () => {
    src = await source(root)
    const s = Studio.init(path.join(root, 'p-keep'))
    try {
      expect(readSettings(s.store)).toEqual({ stripMetadata: 'keep', sourcePaths: 'keep' })
      await s.import(src)
      for (const { img, buf } of stored(s)) {
        expect(buf.equals(fs.readFileSync(path.join(src, img.relPath)))).toBe(true)
      }
      expect(s.store.privacy.gpsCounts()).toEqual({ withGps: 3, withoutGps: 1, unchecked: 0 })
      expect(s.store.imports.batches()[0]!.source).toBe(src)
    } finally {
      s.close()
    }
  })

  it.each(['gps', 'all'] as const)('strip %s: no GPS bytes stored, same pixels, still upright', async (mode) => {
    const s = Studio.init(path.join(root, `p-${mode}`))
    try {
      changeSettings(s.store, { stripMetadata: mode })
      const first = await s.import(src)
      expect(first.imported).toBe(4)
      for (const { img, buf } of stored(s)) {
        const orig = fs.readFileSync(path.join(src, img.relPath))
        expect(hasLat(orig) || img.relPath.endsWith('d.png')).toBe(true)
        expect(hasLat(buf), img.relPath).toBe(false)
        // The content address is the stored bytes'.
        expect(createHash('sha256').update(buf).digest('hex')).toBe(img.hash)
        const [a, b] = await Promise.all([orig, buf].map((x) => sharp(x).rotate().raw().toBuffer()))
        expect(b!.equals(a!), img.relPath).toBe(true)
        const meta = await sharp(buf).metadata()
        if (!img.relPath.endsWith('d.png')) expect(meta.orientation).toBe(6)
        const thumb = await sharp(thumbFile(s.project.paths.thumbs, img.hash)).metadata()
        if (!img.relPath.endsWith('d.png')) expect([thumb.width, thumb.height]).toEqual([30, 60])
        const make = buf.includes(Buffer.from('AcmeCam'))
        expect(make).toBe(mode === 'gps' && !img.relPath.endsWith('d.png'))
      }
      expect(s.store.privacy.gpsCounts()).toEqual({ withGps: 0, withoutGps: 4, unchecked: 0 })
      // Stripping is deterministic: importing the same files again finds them all.
      const again = await s.import(src)
      expect([again.imported, again.duplicates]).toEqual([0, 4])
    } finally {
      s.close()
    }
  })

  it('forgets source paths: the batch keeps the folder name only, images their relative paths', async () => {
    const s = Studio.init(path.join(root, 'p-forget'))
    try {
      await s.import(path.join(src, 'beach'))
      expect(storedSourcePaths(s.store)).toBe(1)
      // A bad value is refused by field and changes nothing, forgetStored included.
      expect(() => changeSettings(s.store, { sourcePaths: 'hide', forgetStored: true })).toThrow(/sourcePaths/)
      expect(() => changeSettings(s.store, { forgetStored: true })).toThrow(ValidationError)
      expect(readSettings(s.store).sourcePaths).toBe('keep')
      expect(s.store.imports.batches()[0]!.source).toBe(path.join(src, 'beach'))

      const r = changeSettings(s.store, { sourcePaths: 'forget', forgetStored: true })
      expect(r.forgotten).toBe(1)
      // Forgotten means gone from the file too: not left in free space or in the WAL's old pages.
      for (const f of [s.project.paths.db, s.project.paths.db + '-wal']) {
        if (fs.existsSync(f)) expect(fs.readFileSync(f).includes(Buffer.from(src)), f).toBe(false)
      }
      await s.import(src)
      const sources = s.store.imports.batches().map((b) => b.source)
      expect(sources).toHaveLength(2)
      for (const b of sources) {
        expect(b).not.toContain(root)
        expect(b).toMatch(/^…\/(beach|holiday photos) \[[0-9a-f]{12}\]$/)
      }
      expect(storedSourcePaths(s.store)).toBe(0)
      const paths = s.store.images
        .page({ limit: 100 })
        .items.map((i) => i.relPath)
        .sort()
      expect(paths).toEqual(['a.jpg', 'b.png', 'city/c.webp', 'city/d.png'])
      // A dataset export names files as before (folders of classes, the images' own names).
      const out = path.join(root, 'export-forget')
      const exported = await exportData(s, out, { format: 'csv' })
      expect(exported.images).toBe(4)
      const csv = fs.readFileSync(path.join(out, 'labels.csv'), 'utf8')
      for (const name of ['a.jpg', 'b.png', 'c.webp', 'd.png']) expect(csv).toContain(name)
      expect(csv).not.toContain(root)
      // The same folder again is the same batch identity: nothing new, nothing counted twice.
      const again = await s.import(src)
      expect(again.source).toBe(sources[1])
      expect(again.imported).toBe(0)
    } finally {
      s.close()
    }
  })
})
