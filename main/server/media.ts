import fs from 'node:fs'
import path from 'node:path'
import type { Studio } from '../engine/studio'

export type MediaAnswer = { file: string; mime: string } | { status: number; reason: string }

const MIME: Record<string, string> = {
  '.webp': 'image/webp',
  '.jpg': 'image/jpeg',
  '.png': 'image/png',
  '.gif': 'image/gif',
  '.tif': 'image/tiff',
  '.avif': 'image/avif',
}

/**
 * Maps a media request (`thumb|original`, sha256) to a file of this project, or says why not:
 * malformed → 400, unknown hash or missing file → 404, anything resolving outside the project → 403.
 * The browser-mode server and the Electron media protocol both answer through this.
 */
export async function resolveMedia(studio: Studio, kind: string, hash: string): Promise<MediaAnswer> {
  if ((kind !== 'thumb' && kind !== 'original') || !/^[0-9a-f]{64}$/.test(hash)) {
    return { status: 400, reason: 'media path must be thumb|original/<sha256>' }
  }
  const img = studio.store.images.byHash(hash)
  if (!img) return { status: 404, reason: 'no image with this hash in the project' }
  try {
    const file = kind === 'thumb' ? await studio.thumbnailPath(img) : studio.originalPath(img)
    const real = fs.realpathSync(file)
    if (!real.startsWith(fs.realpathSync(studio.root) + path.sep))
      return { status: 403, reason: 'file is outside the project' }
    if (!fs.statSync(real).isFile()) return { status: 404, reason: 'the image file is not a regular file' }
    return { file: real, mime: MIME[path.extname(real)] ?? 'application/octet-stream' }
  } catch {
    return { status: 404, reason: 'the image file is missing from the project' }
  }
}
