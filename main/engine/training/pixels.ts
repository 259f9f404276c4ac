import fs from 'node:fs/promises'
import path from 'node:path'
import sharp from 'sharp'
import { errorMessage } from '../errors'
import { mediaFile } from '../media/formats'
import { writeAtomic } from '../media/ingest'
import type { DatasetItem, ProjectPaths } from '../store'

/** How images become model input; stored with the run and in the export. */
export interface InputSpec {
  /** Square side in pixels. */
  size: number
  /** cover: fill the square and crop; contain: fit inside and pad with black. */
  fit: 'cover' | 'contain'
}

/** Decoded uint8 RGB pixels of a set of images, in memory (never float32 for the whole set). */
export interface PixelSet {
  spec: InputSpec
  imageIds: number[]
  labels: Int32Array
  /** n × size × size × 3 */
  pixels: Uint8Array
}

export interface PixelProblem {
  imageId: number
  reason: string
}

/**
 * Decodes (EXIF-oriented, resized, RGB) every item once and caches the bytes on disk under
 * cache/px-<size>-<fit>/, so later epochs and later runs read them back instead of decoding.
 * Images that cannot be read (deleted from disk after versioning) are reported, not fatal.
 */
export async function loadPixels(
  paths: ProjectPaths,
  items: DatasetItem[],
  spec: InputSpec,
  onProblem: (p: PixelProblem) => void,
  concurrency = 4,
): Promise<PixelSet> {
  const per = spec.size * spec.size * 3
  const dir = path.join(paths.cache, `px-${spec.size}-${spec.fit}`)
  const got: (Buffer | null)[] = new Array(items.length).fill(null)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      const item = items[i]!
      const cached = path.join(dir, item.hash.slice(0, 2), `${item.hash}.rgb`)
      try {
        got[i] = await fs.readFile(cached)
        if (got[i]!.length === per) continue
      } catch {
        // not cached yet
      }
      try {
        const buf = await decode(mediaFile(paths.media, item.hash, item.ext), spec)
        await writeAtomic(cached, buf, paths.tmp)
        got[i] = buf
      } catch (err) {
        got[i] = null
        const file = mediaFile(paths.media, item.hash, item.ext)
        const missing = await fs.access(file).then(() => false, () => true)
        onProblem({ imageId: item.imageId, reason: missing ? 'original is missing from the project folder' : errorMessage(err) })
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  const ok = items.map((_, i) => i).filter((i) => got[i])
  const pixels = new Uint8Array(ok.length * per)
  ok.forEach((i, k) => pixels.set(got[i]!, k * per))
  return {
    spec,
    imageIds: ok.map((i) => items[i]!.imageId),
    labels: Int32Array.from(ok.map((i) => items[i]!.classIndex)),
    pixels,
  }
}

/** One image to size×size×3 uint8 RGB. */
export async function decode(file: string | Buffer, spec: InputSpec): Promise<Buffer> {
  return sharp(file, { failOn: 'none' })
    .rotate()
    .resize(spec.size, spec.size, { fit: spec.fit, background: { r: 0, g: 0, b: 0 } })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer()
}
