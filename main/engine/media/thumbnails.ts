import fs from 'node:fs/promises'
import { NotFoundError } from '../errors'
import type { ImageRecord, ProjectPaths } from '../store'
import { decodeBudget } from './decode-budget'
import { originalPath, thumbFile } from './formats'
import { exists, thumbnail, writeAtomic } from './ingest'

export { originalPath }

/** Path of an image's thumbnail, regenerated from the original when it is missing. */
export async function ensureThumbnail(
  paths: ProjectPaths,
  img: Pick<ImageRecord, 'id' | 'hash' | 'ext' | 'width' | 'height'>,
): Promise<string> {
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
  const thumb = await decodeBudget.run(img.width * img.height, () => thumbnail(buf, Number.MAX_SAFE_INTEGER))
  await writeAtomic(file, thumb, paths.tmp)
  return file
}
