import { createHash } from 'node:crypto'
import { constants as fsConstants } from 'node:fs'
import fs from 'node:fs/promises'
import sharp from 'sharp'
import { errorMessage } from '../errors'
import { atomically } from '../fs'
import { measure, SIGNAL_SIDE, signalPixels, type ImageSignals } from '../health/signals'
import { fsReason, specialKind } from './scan'
import { storedFormat, THUMB_SIZE, type StoredFormat } from './formats'

export { forgetMadeDirs, writeAtomic } from '../fs'

/** A file problem with a reason a person can act on; the importer records it against the file. */
export class IngestError extends Error {}

export interface ReadFile {
  buf: Buffer
  hash: string
}

export interface Probed extends StoredFormat {
  /** Display size, after EXIF orientation. */
  width: number
  height: number
}

export async function readAndHash(abs: string): Promise<ReadFile> {
  let buf: Buffer
  try {
    // Non-blocking open, then a check: a FIFO listed in a CSV would otherwise hang the import.
    const fh = await fs.open(abs, fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0))
    try {
      const special = specialKind(await fh.stat())
      if (special) throw new IngestError(`not a regular file but ${special}; only regular files are imported`)
      buf = await fh.readFile()
    } finally {
      await fh.close()
    }
  } catch (err) {
    if (err instanceof IngestError) throw err
    throw new IngestError(fsReason(err))
  }
  if (buf.length === 0) throw new IngestError('file is empty (0 bytes)')
  return { buf, hash: createHash('sha256').update(buf).digest('hex') }
}

/** Reads the header only: format, size, orientation; refuses images over the pixel limit before decoding. */
export async function probe(buf: Buffer, maxPixels: number): Promise<Probed> {
  return (await probeWithMeta(buf, maxPixels)).info
}

export type ImageMeta = Awaited<ReturnType<ReturnType<typeof sharp>['metadata']>>

/** `probe`, with sharp's metadata (EXIF, XMP) for what privacy reads of it. */
export async function probeWithMeta(buf: Buffer, maxPixels: number): Promise<{ info: Probed; meta: ImageMeta }> {
  let meta: ImageMeta
  try {
    meta = await sharp(buf, { limitInputPixels: false }).metadata()
  } catch (err) {
    throw new IngestError(sharpReason(err))
  }
  const fmt = storedFormat(meta.format, meta.compression)
  if (!fmt) throw new IngestError(`unsupported image format ${JSON.stringify(meta.format ?? 'unknown')}`)
  const w = meta.width ?? 0
  const h = meta.height ?? 0
  if (!w || !h) throw new IngestError('image has no size (corrupt header)')
  if (w * h > maxPixels) {
    throw new IngestError(
      `image is ${w}×${h} (${((w * h) / 1e6).toFixed(1)} megapixels), over the ${(maxPixels / 1e6).toFixed(1)} megapixel limit`,
    )
  }
  const swap = (meta.orientation ?? 1) >= 5
  return { info: { ...fmt, width: swap ? h : w, height: swap ? w : h }, meta }
}

/**
 * A WebP thumbnail pipeline: longest side 256 px, EXIF orientation applied, fails on truncated data.
 * Bicubic like PIL's thumbnail(); WebP effort 1 encodes ~2× faster than the default at the
 * same quality setting, which matters when thousands of thumbnails are made at import.
 */
function thumbnailPipeline(buf: Buffer, maxPixels: number): ReturnType<typeof sharp> {
  return sharp(buf, { limitInputPixels: maxPixels, failOn: 'truncated', animated: false })
    .rotate()
    .resize(THUMB_SIZE, THUMB_SIZE, { fit: 'inside', withoutEnlargement: true, kernel: 'cubic' })
    .webp(THUMB_WEBP)
}

const THUMB_WEBP = { quality: 80, effort: 1 } as const

export async function thumbnail(buf: Buffer, maxPixels: number): Promise<Buffer> {
  try {
    return await thumbnailPipeline(buf, maxPixels).toBuffer()
  } catch (err) {
    throw new IngestError(await decodeFailure(buf, err))
  }
}

/** Encodes the thumbnail straight to `file` (libvips writes it off the main thread), atomically. */
export async function writeThumbnail(buf: Buffer, maxPixels: number, file: string, tmpDir: string): Promise<void> {
  await atomically(file, tmpDir, async (tmp) => {
    try {
      await thumbnailPipeline(buf, maxPixels).toFile(tmp)
    } catch (err) {
      // A damaged image or a failed write? Decoding to memory throws the decode reason if it is the image.
      await thumbnail(buf, maxPixels)
      throw err
    }
  })
}

/**
 * The thumbnail and the pixel signals from one decode: the pixels at SIGNAL_SIDE (the thumbnail's
 * size, bicubic) are measured, then encoded as the WebP thumbnail. Measuring on a second decode
 * would cost about as much as the thumbnail itself (see bench/health.ts).
 */
export async function writeThumbnailAndSignals(
  buf: Buffer,
  maxPixels: number,
  file: string,
  tmpDir: string,
): Promise<ImageSignals> {
  if (SIGNAL_SIDE !== THUMB_SIZE) throw new Error('thumbnail and signals must share their size to share a decode')
  let px
  try {
    px = await signalPixels(buf, maxPixels)
  } catch (err) {
    throw new IngestError(await decodeFailure(buf, err))
  }
  const signals = measure(px)
  const { data, width, height, channels } = px
  if (channels !== 1 && channels !== 2 && channels !== 3 && channels !== 4) {
    throw new IngestError(`cannot make a thumbnail of ${channels}-channel pixels`)
  }
  await atomically(file, tmpDir, (tmp) =>
    sharp(data, { raw: { width, height, channels } }).webp(THUMB_WEBP).toFile(tmp),
  )
  return signals
}

export async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  )
}

/**
 * Why a decode failed, in words. libvips keeps one error buffer that concurrent pipelines clear,
 * so under load the message can arrive as "Unknown error"; then the data itself is examined.
 */
async function decodeFailure(buf: Buffer, err: unknown): Promise<string> {
  const msg = errorMessage(err)
  if (msg.trim() && !/unknown error/i.test(msg)) return sharpReason(err)
  const isJpeg = buf[0] === 0xff && buf[1] === 0xd8
  if (isJpeg && !(buf[buf.length - 2] === 0xff && buf[buf.length - 1] === 0xd9)) {
    return 'image data is truncated or corrupt (the JPEG ends before its end marker)'
  }
  // Decoded through a shrink, never into a full-size buffer (300 MB for a 100-megapixel image).
  const lenient = await sharp(buf, { failOn: 'none', limitInputPixels: false })
    .resize(THUMB_SIZE, THUMB_SIZE, { fit: 'inside', withoutEnlargement: true })
    .raw()
    .toBuffer()
    .then(
      () => true,
      () => false,
    )
  return lenient ? 'image data is truncated or corrupt (the decoder reported damage)' : 'cannot decode image'
}

function sharpReason(err: unknown): string {
  const msg = errorMessage(err)
  if (/unsupported image format/i.test(msg)) return 'not a recognised image (unsupported format or not image data)'
  if (/pixel limit/i.test(msg)) return `over the pixel limit (${msg})`
  if (/premature end|truncated|corrupt|unexpected end|invalid/i.test(msg)) {
    return `image data is truncated or corrupt (${msg.split('\n')[0]})`
  }
  return `cannot decode image: ${msg.split('\n')[0]}`
}
