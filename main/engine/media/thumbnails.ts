import fs from 'node:fs/promises'
import { NotFoundError } from '../errors'
import type { ImageRecord, ProjectPaths } from '../store'
import { mediaFile, thumbFile } from './formats'
import { exists, thumbnail, writeAtomic } from './ingest'

/** Path of an image's original inside the project. */
export function originalPath(paths: ProjectPaths, img: Pick<ImageRecord, 'hash' | 'ext'>): string {
  return mediaFile(paths.media, img.hash, img.ext)
}

/** Path of an image's thumbnail, regenerated from the original when it is missing. */
export async function ensureThumbnail(paths: ProjectPaths, img: Pick<ImageRecord, 'id' | 'hash' | 'ext'>): Promise<string> {
  const file = thumbFile(paths.thumbs, img.hash)
  if (await exists(file)) return file
  const source = originalPath(paths, img)
  let buf: Buffer
  try {
    buf = await fs.readFile(source)
  } catch {
    throw new NotFoundError(`the original of image ${img.id} is missing (${source})`)
  }
  // The original passed the pixel limit when it was imported.
  await writeAtomic(file, await thumbnail(buf, Number.MAX_SAFE_INTEGER), paths.tmp)
  return file
}
