import { crc32 } from 'node:zlib'
import sharp from 'sharp'
import {
  ExifError,
  blankXmpGpsInPlace,
  orientationOnlyTiff,
  removeGpsInPlace,
  tiffHasGps,
  tiffOrientation,
  tiffStart,
  xmpHasGps,
} from './exif'
import { afterScan } from '../export-data/clean-bytes'
import type { StripMode } from './settings'

type Meta = Awaited<ReturnType<ReturnType<typeof sharp>['metadata']>>

export interface Stripped {
  buf: Buffer
  /** How: unchanged, metadata edited in the bytes, or decoded and encoded again (orientation applied). */
  how: 'kept' | 'edited' | 're-encoded'
}

/** True when an image (its bytes and sharp's metadata of them) carries a GPS position. */
export function carriesGps(buf: Uint8Array, meta: Meta): boolean {
  try {
    if (meta.format === 'tiff' && tiffHasGps(buf)) return true
    if (meta.exif) {
      const t = tiffStart(meta.exif)
      if (t >= 0 && tiffHasGps(meta.exif.subarray(t))) return true
    }
  } catch {
    // An EXIF block too damaged to walk: no GPS readers would find either.
  }
  return meta.xmp ? xmpHasGps(meta.xmp.toString('latin1')) : false
}

/**
 * The bytes to store for an image under a strip mode. JPEG, PNG and WebP are edited in their bytes
 * (pixels untouched; `all` keeps the orientation tag alone, so the image still shows upright); a
 * format or a file this cannot edit safely is decoded and encoded again without metadata, the
 * orientation applied to the pixels (TIFF losslessly; AVIF/GIF at high quality). The result is
 * checked: GPS must be gone, else it is re-encoded.
 */
export async function stripMetadata(raw: Buffer, mode: StripMode, meta?: Meta): Promise<Stripped> {
  if (mode === 'keep') return { buf: raw, how: 'kept' }
  const m = meta ?? (await sharp(raw, { limitInputPixels: false }).metadata())
  let out: Buffer | null
  try {
    out = mode === 'gps' ? stripGps(raw, m) : stripAll(raw, m)
  } catch (err) {
    if (!(err instanceof ExifError || err instanceof RangeError)) throw err
    out = null
  }
  if (out) {
    const after = await sharp(out, { limitInputPixels: false })
      .metadata()
      .catch(() => null)
    if (after && !carriesGps(out, after) && (mode === 'gps' || (!after.xmp && !after.iptc))) {
      return { buf: out, how: out.equals(raw) ? 'kept' : 'edited' }
    }
  }
  return { buf: await reencode(raw, m), how: 're-encoded' }
}

function stripGps(raw: Buffer, meta: Meta): Buffer | null {
  // An EXIF block too damaged to walk may still hold a position: it throws here, and is re-encoded.
  const t0 = meta.exif ? tiffStart(meta.exif) : -1
  if (t0 >= 0) tiffHasGps(meta.exif!.subarray(t0))
  if (!carriesGps(raw, meta)) return raw
  const out = Buffer.from(raw)
  const changed: number[] = []
  if (meta.format === 'tiff') {
    removeGpsInPlace(out)
    changed.push(0)
  } else if (meta.exif) {
    const t = tiffStart(meta.exif)
    const tiff = meta.exif.subarray(t)
    const at = t < 0 ? -1 : out.indexOf(tiff)
    if (at < 0) return null // sharp's copy is not the file's bytes: cannot edit in place
    removeGpsInPlace(out.subarray(at, at + tiff.length))
    changed.push(at)
  }
  changed.push(...blankXmpGpsInPlace(out))
  if (meta.format === 'png') fixPngCrcs(out, changed)
  return out
}

function stripAll(raw: Buffer, meta: Meta): Buffer | null {
  const orientation = orientationOf(meta)
  if (meta.format === 'jpeg') return stripJpeg(raw, orientation)
  if (meta.format === 'png') return stripPng(raw, orientation)
  if (meta.format === 'webp') return stripWebp(raw, orientation)
  if (meta.format === 'gif' && !meta.exif && !meta.xmp && !meta.iptc && !meta.comments?.length) return raw
  return null
}

function orientationOf(meta: Meta): number {
  if (!meta.exif) return 1
  const t = tiffStart(meta.exif)
  return t < 0 ? 1 : tiffOrientation(meta.exif.subarray(t))
}

const be16 = (d: Uint8Array, i: number) => (d[i]! << 8) | d[i + 1]!
const be32 = (d: Uint8Array, i: number) => ((d[i]! << 24) | (d[i + 1]! << 16) | (d[i + 2]! << 8) | d[i + 3]!) >>> 0
const le32 = (d: Uint8Array, i: number) => (d[i]! | (d[i + 1]! << 8) | (d[i + 2]! << 16) | (d[i + 3]! << 24)) >>> 0
const ascii = (d: Uint8Array, i: number, n: number) => Buffer.from(d.subarray(i, i + n)).toString('latin1')

/**
 * JPEG: keeps the decoding segments, a thumbnail-free JFIF header, ICC profiles (APP2) and Adobe's
 * colour transform (APP14); drops EXIF, XMP, IPTC, comments, other application segments and
 * anything after the end marker. Orientation ≠ 1 goes back as an EXIF block of that tag alone.
 */
function stripJpeg(d: Buffer, orientation: number): Buffer | null {
  if (be16(d, 0) !== 0xffd8) return null
  const parts: Buffer[] = [d.subarray(0, 2)]
  let i = 2
  let exifPlaced = false
  const placeExif = () => {
    if (exifPlaced) return
    exifPlaced = true
    if (orientation === 1) return
    const tiff = orientationOnlyTiff(orientation)
    const head = Buffer.from([0xff, 0xe1, 0, 0, 0x45, 0x78, 0x69, 0x66, 0, 0]) // APP1 "Exif\0\0"
    head.writeUInt16BE(2 + 6 + tiff.length, 2)
    parts.push(head, Buffer.from(tiff))
  }
  while (i + 2 <= d.length) {
    if (d[i] !== 0xff) return null
    const m = d[i + 1]!
    if (m === 0xff) {
      i++
      continue
    }
    if (m === 0xd9) {
      placeExif()
      parts.push(d.subarray(i, i + 2))
      return Buffer.concat(parts)
    }
    if (i + 4 > d.length) return null
    const len = be16(d, i + 2)
    if (len < 2 || i + 2 + len > d.length) return null
    const seg = d.subarray(i, i + 2 + len)
    const body = seg.subarray(4)
    const jfif = m === 0xe0 && ascii(body, 0, 5) === 'JFIF\0' && body[12] === 0 && body[13] === 0
    const keep =
      jfif ||
      (m === 0xe2 && ascii(body, 0, 12) === 'ICC_PROFILE\0') ||
      (m === 0xee && ascii(body, 0, 5) === 'Adobe') ||
      ((m < 0xe0 || m > 0xef) && m !== 0xfe)
    if (!jfif) placeExif()
    if (keep) parts.push(seg)
    i += 2 + len
    if (m === 0xda) {
      const end = afterScan(d, i)
      parts.push(d.subarray(i, end))
      i = end
    }
  }
  return null
}

/** Ancillary PNG chunks that say how to show the pixels (or animate them); every other ancillary chunk goes. */
const PNG_KEEP = new Set(['tRNS', 'gAMA', 'cHRM', 'sRGB', 'iCCP', 'sBIT', 'bKGD', 'pHYs', 'acTL', 'fcTL', 'fdAT'])

function stripPng(d: Buffer, orientation: number): Buffer | null {
  const parts: Buffer[] = [d.subarray(0, 8)]
  let i = 8
  let exifPlaced = orientation === 1
  while (i + 12 <= d.length) {
    const len = be32(d, i)
    const type = ascii(d, i + 4, 4)
    if (i + 12 + len > d.length) return null
    const critical = (d[i + 4]! & 0x20) === 0
    if (!exifPlaced && (type === 'IDAT' || type === 'IEND')) {
      parts.push(pngChunk('eXIf', orientationOnlyTiff(orientation)))
      exifPlaced = true
    }
    if (critical || PNG_KEEP.has(type)) parts.push(d.subarray(i, i + 12 + len))
    i += 12 + len
    if (type === 'IEND') return Buffer.concat(parts)
  }
  return null
}

function pngChunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length)
  out.writeUInt32BE(data.length, 0)
  out.write(type, 4, 'latin1')
  out.set(data, 8)
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length)
  return out
}

/** Recomputes the CRC of each PNG chunk that holds one of the `changed` offsets. */
function fixPngCrcs(d: Buffer, changed: number[]): void {
  let i = 8
  while (i + 12 <= d.length) {
    const len = be32(d, i)
    const end = i + 8 + len
    if (end + 4 > d.length) return
    if (changed.some((c) => c >= i && c < end)) d.writeUInt32BE(crc32(d.subarray(i + 4, end)), end)
    i = end + 4
  }
}

/** WebP: drops the EXIF and XMP chunks (an orientation ≠ 1 comes back alone) and fixes the VP8X flags and sizes. */
function stripWebp(d: Buffer, orientation: number): Buffer | null {
  if (ascii(d, 0, 4) !== 'RIFF' || ascii(d, 8, 4) !== 'WEBP') return null
  const chunks: Buffer[] = []
  let vp8x: Buffer | null = null
  let i = 12
  while (i + 8 <= d.length) {
    const type = ascii(d, i, 4)
    const len = le32(d, i + 4)
    const whole = 8 + len + (len & 1)
    if (i + 8 + len > d.length) return null
    const chunk = Buffer.from(d.subarray(i, Math.min(d.length, i + whole)))
    if (type === 'VP8X') vp8x = chunk
    if (type !== 'EXIF' && type !== 'XMP ') chunks.push(chunk)
    i += whole
  }
  if (!vp8x) return d // a simple WebP carries no metadata
  vp8x[8] = vp8x[8]! & ~0x0c // EXIF (0x08) and XMP (0x04) flags off
  if (orientation !== 1) {
    vp8x[8] = vp8x[8]! | 0x08
    const tiff = orientationOnlyTiff(orientation)
    const chunk = Buffer.alloc(8 + tiff.length)
    chunk.write('EXIF', 0, 'latin1')
    chunk.writeUInt32LE(tiff.length, 4)
    chunk.set(tiff, 8)
    chunks.push(chunk)
  }
  const body = Buffer.concat(chunks)
  const head = Buffer.alloc(12)
  head.write('RIFF', 0, 'latin1')
  head.writeUInt32LE(4 + body.length, 4)
  head.write('WEBP', 8, 'latin1')
  return Buffer.concat([head, body])
}

/** Decoded and written again without metadata, upright; the same format. */
async function reencode(raw: Buffer, meta: Meta): Promise<Buffer> {
  const img = sharp(raw, { limitInputPixels: false, animated: false }).rotate()
  switch (meta.format) {
    case 'jpeg':
      return img.jpeg({ quality: 95, chromaSubsampling: '4:4:4' }).toBuffer()
    case 'png':
      return img.png().toBuffer()
    case 'webp':
      return img.webp({ lossless: true }).toBuffer()
    case 'gif':
      return img.gif().toBuffer()
    case 'tiff':
      return img.tiff({ compression: 'lzw' }).toBuffer()
    default:
      return img.avif({ quality: 90 }).toBuffer()
  }
}
