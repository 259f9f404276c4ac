import path from 'node:path'
import type { ImageRecord, ProjectPaths } from '../store'

/** File extensions the scanner treats as images; anything else is counted as ignored. */
export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set([
  '.jpg',
  '.jpeg',
  '.jpe',
  '.png',
  '.webp',
  '.gif',
  '.tif',
  '.tiff',
  '.avif',
])

export function isImageFile(name: string): boolean {
  return IMAGE_EXTENSIONS.has(path.extname(name).toLowerCase())
}

/** Our name for a decoded format, and the extension its stored original gets. */
export interface StoredFormat {
  format: 'jpeg' | 'png' | 'webp' | 'gif' | 'tiff' | 'avif'
  ext: string
  mime: string
}

const BY_SHARP: Record<string, StoredFormat> = {
  jpeg: { format: 'jpeg', ext: '.jpg', mime: 'image/jpeg' },
  png: { format: 'png', ext: '.png', mime: 'image/png' },
  webp: { format: 'webp', ext: '.webp', mime: 'image/webp' },
  gif: { format: 'gif', ext: '.gif', mime: 'image/gif' },
  tiff: { format: 'tiff', ext: '.tif', mime: 'image/tiff' },
  avif: { format: 'avif', ext: '.avif', mime: 'image/avif' },
}

/** Maps sharp's metadata to a supported format; sharp reports AVIF as `heif` with `av1` compression. */
export function storedFormat(sharpFormat: string | undefined, compression?: string): StoredFormat | undefined {
  if (sharpFormat === 'heif') return compression === 'av1' ? BY_SHARP.avif : undefined
  return sharpFormat ? BY_SHARP[sharpFormat] : undefined
}

/** Content-addressed locations: media/ab/abcdef….jpg and thumbs/ab/abcdef….webp. */
export function mediaFile(mediaDir: string, hash: string, ext: string): string {
  return path.join(mediaDir, hash.slice(0, 2), hash + ext)
}

/** Path of an image's original inside the project. */
export function originalPath(paths: ProjectPaths, img: Pick<ImageRecord, 'hash' | 'ext'>): string {
  return mediaFile(paths.media, img.hash, img.ext)
}

export function thumbFile(thumbsDir: string, hash: string): string {
  return path.join(thumbsDir, hash.slice(0, 2), hash + '.webp')
}

export const THUMB_SIZE = 256
/** Default decompression-bomb limit: 100 megapixels. */
export const DEFAULT_MAX_PIXELS = 100_000_000
