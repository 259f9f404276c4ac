import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { isClean } from '../../../main/engine/export-data/clean-bytes'

const base = () => sharp({ create: { width: 32, height: 24, channels: 3, background: '#3366aa' } })

/** `jpeg` with one more segment (marker, payload) right after the start of image. */
function withSegment(jpeg: Buffer, marker: number, payload: string): Buffer {
  const body = Buffer.from(payload)
  const head = Buffer.from([0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff])
  return Buffer.concat([jpeg.subarray(0, 2), head, body, jpeg.subarray(2)])
}

/** `png` with one more chunk before IEND (the CRC is not checked by the allowlist, so zeros do). */
function withChunk(png: Buffer, type: string, payload: string): Buffer {
  const body = Buffer.from(payload)
  const len = Buffer.alloc(4)
  len.writeUInt32BE(body.length)
  const chunk = Buffer.concat([len, Buffer.from(type, 'latin1'), body, Buffer.alloc(4)])
  return Buffer.concat([png.subarray(0, png.length - 12), chunk, png.subarray(png.length - 12)])
}

describe('a file with nothing but pixels', () => {
  it('is a plain JPEG, baseline or progressive, or a plain PNG', async () => {
    expect(isClean(await base().jpeg().toBuffer(), 'jpeg')).toBe(true)
    expect(isClean(await base().jpeg({ progressive: true }).toBuffer(), 'jpeg')).toBe(true)
    expect(isClean(await base().jpeg({ quality: 50, optimiseCoding: true }).toBuffer(), 'jpeg')).toBe(true)
    expect(isClean(await base().png().toBuffer(), 'png')).toBe(true)
  })

  it('is not a JPEG with EXIF (orientation or GPS), ICC, a comment, XMP, or bytes after its end', async () => {
    const plain = await base().jpeg().toBuffer()
    expect(isClean(await base().jpeg().withMetadata({ orientation: 6 }).toBuffer(), 'jpeg')).toBe(false)
    expect(
      isClean(
        await base()
          .jpeg()
          .withExif({ IFD3: { GPSLatitudeRef: 'N' } })
          .toBuffer(),
        'jpeg',
      ),
    ).toBe(false)
    expect(isClean(await base().jpeg().withIccProfile('srgb').toBuffer(), 'jpeg')).toBe(false)
    expect(isClean(withSegment(plain, 0xfe, '/home/me/photos'), 'jpeg')).toBe(false)
    expect(isClean(withSegment(plain, 0xe1, 'http://ns.adobe.com/xap/1.0/\0<x/>'), 'jpeg')).toBe(false)
    expect(isClean(withSegment(plain, 0xed, 'Photoshop 3.0\0'), 'jpeg')).toBe(false)
    expect(isClean(Buffer.concat([plain, Buffer.from('trailer')]), 'jpeg')).toBe(false)
    expect(isClean(plain.subarray(0, plain.length - 10), 'jpeg')).toBe(false)
  })

  it('is not a PNG with text, EXIF, time, ICC or an unknown chunk, nor another format', async () => {
    const plain = await base().png().toBuffer()
    for (const type of ['tEXt', 'iTXt', 'zTXt', 'eXIf', 'tIME', 'iCCP', 'prVt']) {
      expect(isClean(withChunk(plain, type, 'Comment\0/home/me'), 'png'), type).toBe(false)
    }
    expect(isClean(withChunk(plain, 'pHYs', '123456789'), 'png')).toBe(true)
    expect(isClean(await base().webp().toBuffer(), 'webp')).toBe(false)
    expect(isClean(plain, 'jpeg')).toBe(false)
  })
})
