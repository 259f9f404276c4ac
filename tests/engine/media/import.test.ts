import fs from 'node:fs'
import path from 'node:path'
import sharp from 'sharp'
import { beforeAll, describe, expect, it } from 'vitest'
import { Studio } from '../../../main/engine/studio'
import { makeImage, makeImages, tmpDir } from '../../helpers/fixtures'

describe('import from class folders', () => {
  const root = tmpDir()
  const src = path.join(root, 'src')
  let studio: Studio

  beforeAll(async () => {
    await makeImages(path.join(src, 'train/cats'), 5, 0)
    await makeImages(path.join(src, 'train/dogs'), 4, 100)
    await makeImages(path.join(src, 'val/cats'), 2, 200)
    await makeImages(path.join(src, 'birds'), 3, 300)
    await makeImage(path.join(src, 'loose.png'), 400, 'png')
    fs.writeFileSync(path.join(src, 'README.md'), '# not an image')
    studio = Studio.init(path.join(root, 'proj'))
  })

  it('labels by the nearest folder, tags the folders above it as origin, leaves top-level images unlabeled', async () => {
    const s = await studio.import(src)
    expect(s).toMatchObject({
      kind: 'folders',
      status: 'done',
      seen: 15,
      imported: 15,
      duplicates: 0,
      errors: 0,
      ignored: 1,
    })
    expect(studio.stats()).toEqual({
      images: 15,
      classes: { birds: 3, cats: 7, dogs: 4 },
      unlabeled: 1,
      errors: 0,
      duplicates: 0,
    })
    const origins = Object.fromEntries(studio.store.images.origins().map((o) => [o.origin ?? '-', o.count]))
    expect(origins).toEqual({ '-': 4, train: 9, val: 2 })
    // Image ids follow the scan order (folders depth-first, names sorted), whatever order files finish in.
    const order = studio.store.images.page({ limit: 100 }).items.map((i) => i.relPath)
    expect(order).toEqual([
      ...[0, 1, 2].map((i) => `birds/img-00${i}.jpg`),
      'loose.png',
      ...[0, 1, 2, 3, 4].map((i) => `train/cats/img-00${i}.jpg`),
      ...[0, 1, 2, 3].map((i) => `train/dogs/img-00${i}.jpg`),
      ...[0, 1].map((i) => `val/cats/img-00${i}.jpg`),
    ])
    const img = studio.image('train/dogs/img-000.jpg')
    expect(img).toMatchObject({
      className: 'dogs',
      origin: 'train',
      format: 'jpeg',
      width: 64,
      height: 48,
      originalName: 'img-000.jpg',
    })
  })

  it('stores originals under their content hash and a 256 px WebP thumbnail', async () => {
    const img = studio.image('birds/img-001.jpg')
    const original = studio.originalPath(img)
    expect(path.basename(original)).toBe(`${img.hash}.jpg`)
    expect(fs.readFileSync(original).equals(fs.readFileSync(path.join(src, 'birds/img-001.jpg')))).toBe(true)
    const meta = await sharp(await studio.thumbnailPath(img)).metadata()
    expect(meta.format).toBe('webp')
    expect(Math.max(meta.width!, meta.height!)).toBe(64) // never enlarged
  })

  it('importing the same folder again adds nothing and reports every file as a duplicate', async () => {
    const s = await studio.import(src)
    expect(s).toMatchObject({ imported: 0, duplicates: 15, errors: 0, resumed: false })
    expect(studio.stats()).toMatchObject({ images: 15, duplicates: 15 })
  })

  it('regenerates a missing thumbnail on demand', async () => {
    const img = studio.image('train/cats/img-002.jpg')
    const thumb = await studio.thumbnailPath(img)
    fs.rmSync(thumb)
    expect(await studio.thumbnailPath(img)).toBe(thumb)
    expect((await sharp(thumb).metadata()).format).toBe('webp')
  })
})

describe('import formats, orientation and sizes', () => {
  const root = tmpDir()

  it('takes JPEG, PNG, WebP, GIF (first frame), TIFF and AVIF', async () => {
    const src = path.join(root, 'formats')
    const fmts = ['jpeg', 'png', 'webp', 'gif', 'tiff', 'avif'] as const
    const ext = { jpeg: 'jpg', png: 'png', webp: 'webp', gif: 'gif', tiff: 'tiff', avif: 'avif' }
    for (const [i, f] of fmts.entries()) await makeImage(path.join(src, `x.${ext[f]}`), i + 1, f)
    // An animated GIF of two 20×40 frames (red, then blue): only the first frame is taken.
    const frame = (c: string) =>
      sharp({ create: { width: 20, height: 40, channels: 3, background: c } })
        .png()
        .toBuffer()
    await sharp([await frame('#f00'), await frame('#00f')], { join: { animated: true } })
      .gif()
      .toFile(path.join(src, 'anim.gif'))
    const studio = Studio.init(path.join(root, 'p1'))
    const s = await studio.import(src)
    expect(s).toMatchObject({ imported: 7, errors: 0, kind: 'flat' })
    const formats = studio.store.images
      .page({ limit: 100 })
      .items.map((i) => i.format)
      .sort()
    expect(formats).toEqual(['avif', 'gif', 'gif', 'jpeg', 'png', 'tiff', 'webp'])
    const anim = studio.image('anim.gif')
    expect([anim.width, anim.height]).toEqual([20, 40])
    const { data, info } = await sharp(await studio.thumbnailPath(anim))
      .raw()
      .toBuffer({ resolveWithObject: true })
    expect(info.height).toBe(40)
    expect(data[0]!).toBeGreaterThan(200) // red: the first frame
    expect(data[2]!).toBeLessThan(50)
    studio.close()
  })

  it('honours EXIF orientation for stored size and thumbnail', async () => {
    const src = path.join(root, 'exif')
    fs.mkdirSync(src)
    // 80×40 pixels stored, orientation 6 (rotate 90°): displays as 40×80.
    await sharp({ create: { width: 80, height: 40, channels: 3, background: '#3a6' } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toFile(path.join(src, 'rotated.jpg'))
    const studio = Studio.init(path.join(root, 'p2'))
    await studio.import(src)
    const img = studio.image('rotated.jpg')
    expect([img.width, img.height]).toEqual([40, 80])
    const meta = await sharp(await studio.thumbnailPath(img)).metadata()
    expect([meta.width, meta.height]).toEqual([40, 80])
    studio.close()
  })

  it('makes thumbnails 256 px on the longest side for large images', async () => {
    const src = path.join(root, 'large')
    await makeImage(path.join(src, 'wide.jpg'), 9, 'jpeg', 1200, 600)
    const studio = Studio.init(path.join(root, 'p3'))
    await studio.import(src)
    const meta = await sharp(await studio.thumbnailPath(studio.image('wide.jpg'))).metadata()
    expect([meta.width, meta.height]).toEqual([256, 128])
    studio.close()
  })

  it('--layout flat ignores folder names', async () => {
    const src = path.join(root, 'nested')
    await makeImages(path.join(src, 'a'), 2, 500)
    const studio = Studio.init(path.join(root, 'p4'))
    const s = await studio.import(src, { layout: 'flat' })
    expect(s.kind).toBe('flat')
    expect(studio.stats()).toMatchObject({ images: 2, unlabeled: 2, classes: {} })
    studio.close()
  })
})

describe('import from CSV', () => {
  const root = tmpDir()

  it('reads path,label rows relative to the CSV, with an optional origin column', async () => {
    const src = path.join(root, 'csv')
    await makeImages(path.join(src, 'pics'), 4, 600)
    fs.writeFileSync(
      path.join(src, 'labels.csv'),
      'path,label,origin\npics/img-000.jpg,red,train\npics/img-001.jpg,blue,train\n"pics/img-002.jpg",red,test\npics/img-003.jpg,,\n',
    )
    const studio = Studio.init(path.join(root, 'p'))
    const s = await studio.import(path.join(src, 'labels.csv'))
    expect(s).toMatchObject({ kind: 'csv', seen: 4, imported: 4, errors: 0 })
    expect(studio.stats()).toMatchObject({ classes: { red: 2, blue: 1 }, unlabeled: 1 })
    expect(studio.image('pics/img-002.jpg')).toMatchObject({ className: 'red', origin: 'test' })
    studio.close()
  })

  it('accepts a CSV without a header as path,label', async () => {
    const src = path.join(root, 'csv2')
    await makeImages(src, 2, 700)
    fs.writeFileSync(path.join(src, 'l.csv'), 'img-000.jpg,a\nimg-001.jpg,b\n')
    const studio = Studio.init(path.join(root, 'p2'))
    await studio.import(path.join(src, 'l.csv'))
    expect(studio.stats().classes).toEqual({ a: 1, b: 1 })
    studio.close()
  })
})
