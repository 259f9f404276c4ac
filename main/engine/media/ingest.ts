import { createHash, randomBytes } from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'
import sharp from 'sharp'
import { errorMessage } from '../errors'
import { fsReason } from './scan'
import { storedFormat, THUMB_SIZE, type StoredFormat } from './formats'

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
    buf = await fs.readFile(abs)
  } catch (err) {
    throw new IngestError(fsReason(err))
  }
  if (buf.length === 0) throw new IngestError('file is empty (0 bytes)')
  return { buf, hash: createHash('sha256').update(buf).digest('hex') }
}

/** Reads the header only: format, size, orientation; refuses images over the pixel limit before decoding. */
export async function probe(buf: Buffer, maxPixels: number): Promise<Probed> {
  let meta: Awaited<ReturnType<ReturnType<typeof sharp>["metadata"]>>
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
      `image is ${w}×${h} (${(w * h / 1e6).toFixed(1)} megapixels), over the ${(maxPixels / 1e6).toFixed(1)} megapixel limit`,
    )
  }
  const swap = (meta.orientation ?? 1) >= 5
  return { ...fmt, width: swap ? h : w, height: swap ? w : h }
}

/** A WebP thumbnail, longest side 256 px, EXIF orientation applied; fails on truncated data. */
export async function thumbnail(buf: Buffer, maxPixels: number): Promise<Buffer> {
  try {
    return await sharp(buf, { limitInputPixels: maxPixels, failOn: 'truncated', animated: false })
      .rotate()
      .resize(THUMB_SIZE, THUMB_SIZE, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 80, effort: 2 })
      .toBuffer()
  } catch (err) {
    throw new IngestError(sharpReason(err))
  }
}

/**
 * Writes via a file in `tmpDir` (same file system) and a rename, so a crash never leaves a
 * half-written file in place; leftovers in `tmpDir` are swept by the next import.
 */
export async function writeAtomic(file: string, data: Buffer, tmpDir: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true })
  await fs.mkdir(tmpDir, { recursive: true })
  const tmp = path.join(tmpDir, `${path.basename(file)}.${randomBytes(4).toString('hex')}.tmp`)
  await fs.writeFile(tmp, data)
  await fs.rename(tmp, file)
}

export async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  )
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
