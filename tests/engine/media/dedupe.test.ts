import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { Studio } from '../../../main/engine/studio'
import { tmpDir } from '../../helpers/fixtures'

/**
 * Content addressing at import: an image is its SHA-256 over every byte. Identical files in one
 * import become one image (never a UNIQUE-constraint crash, however the concurrent reads interleave),
 * and files that differ only after their first kilobytes are two images.
 */

const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex')

/** A noisy PNG of `w`×`h`: tens of kilobytes, far over 2 KB. */
async function noisyPng(file: string, seed: number, w = 96, h = 96): Promise<void> {
  const px = Buffer.alloc(w * h * 3)
  let x = seed * 2654435761
  for (let i = 0; i < px.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0
    px[i] = x >>> 24
  }
  fs.mkdirSync(path.dirname(file), { recursive: true })
  await sharp(px, { raw: { width: w, height: h, channels: 3 } })
    .png()
    .toFile(file)
}

/** `png` with a tEXt chunk before IEND: the same pixels and the same first bytes, a different file. */
function withTextChunk(png: Buffer, text: string): Buffer {
  const data = Buffer.from(`Comment\0${text}`, 'latin1')
  const chunk = Buffer.alloc(12 + data.length)
  chunk.writeUInt32BE(data.length, 0)
  chunk.write('tEXt', 4, 'latin1')
  data.copy(chunk, 8)
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + data.length)), 8 + data.length)
  const iend = png.length - 12
  return Buffer.concat([png.subarray(0, iend), chunk, png.subarray(iend)])
}

function crc32(buf: Buffer): number {
  let c = ~0
  for (const b of buf) {
    c ^= b
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1))
  }
  return ~c >>> 0
}

describe('import dedupe', () => {
  const root = tmpDir()

  it('identical files in one import folder become one image; the rest are duplicates', async () => {
    const src = path.join(root, 'same')
    await noisyPng(path.join(src, 'cats', 'a.png'), 1)
    // More copies than the import reads at once, in the class folder and below it.
    for (let i = 0; i < 9; i++)
      fs.copyFileSync(path.join(src, 'cats', 'a.png'), path.join(src, 'cats', `copy-${i}.png`))
    fs.mkdirSync(path.join(src, 'cats', 'more'))
    fs.copyFileSync(path.join(src, 'cats', 'a.png'), path.join(src, 'cats', 'more', 'again.png'))
    await noisyPng(path.join(src, 'cats', 'other.png'), 2)
    const studio = Studio.init(path.join(root, 'p1'))
    try {
      const s = await studio.import(src)
      expect(s).toMatchObject({ imported: 2, duplicates: 10, errors: 0, status: 'done' })
      expect(studio.stats()).toMatchObject({ images: 2, errors: 0 })
      const hash = sha256(path.join(src, 'cats', 'a.png'))
      expect(studio.store.images.byHash(hash)).toBeDefined()
    } finally {
      studio.close()
    }
  })

  it('stores the SHA-256 of the whole file, so files alike in their first kilobytes stay apart', async () => {
    const src = path.join(root, 'alike')
    const first = path.join(src, 'first.png')
    await noisyPng(first, 3, 128, 128)
    const png = fs.readFileSync(first)
    expect(png.length).toBeGreaterThan(8 * 1024)
    const second = path.join(src, 'second.png')
    fs.writeFileSync(second, withTextChunk(png, 'a note after the pixels'))
    // The two files share everything up to the last 12 bytes of the first one.
    expect(
      fs
        .readFileSync(second)
        .subarray(0, png.length - 12)
        .equals(png.subarray(0, png.length - 12)),
    ).toBe(true)
    const studio = Studio.init(path.join(root, 'p2'))
    try {
      const s = await studio.import(src)
      expect(s).toMatchObject({ imported: 2, duplicates: 0, errors: 0 })
      const stored = studio.store.images
        .page({ limit: 10 })
        .items.map((i) => i.hash)
        .sort()
      expect(stored).toEqual([sha256(first), sha256(second)].sort())
      for (const hash of stored) {
        const img = studio.store.images.byHash(hash)!
        expect(sha256(studio.originalPath(img))).toBe(hash)
      }
    } finally {
      studio.close()
    }
  })
})
