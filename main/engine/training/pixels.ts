import { readFileSync } from 'node:fs'
import fs from 'node:fs/promises'
import path from 'node:path'
import sharp from 'sharp'
import { errorMessage, StudioError, ValidationError } from '../errors'
import { mediaFile } from '../media/formats'
import { writeAtomic } from '../fs'
import type { Fit } from '../runs'
import type { DatasetItem, ProjectPaths } from '../store'

/** How images become model input; stored with the run and in the export. */
export interface InputSpec {
  /** Square side in pixels. */
  size: number
  /** cover: fill the square and crop; contain: fit inside and pad with black. */
  fit: Fit
}

/**
 * Decoded uint8 RGB pixels of a set of images (never float32 for the whole set): held in memory,
 * or, when the set is larger than the memory budget, read row by row from the disk cache.
 */
export interface PixelSet {
  spec: InputSpec
  imageIds: number[]
  labels: Int32Array
  /** Row i's size × size × 3 pixels. */
  row(i: number): Uint8Array
  /** false: rows stream from the pixel cache on disk. */
  inMemory: boolean
}

export interface PixelProblem {
  imageId: number
  reason: string
}

/** Decoded pixels a split may hold in memory before it streams from disk: STUDIO_PIXEL_MEMORY_MB, default 1024. */
export function pixelMemoryBudget(): number {
  const v = process.env.STUDIO_PIXEL_MEMORY_MB?.trim()
  if (!v) return 1024 * 2 ** 20
  const mb = Number(v)
  if (!(mb >= 0))
    throw new ValidationError(`STUDIO_PIXEL_MEMORY_MB must be a number of megabytes ≥ 0 (got ${JSON.stringify(v)})`)
  return mb * 2 ** 20
}

/**
 * Decodes (EXIF-oriented, resized, RGB) every item once and caches the bytes on disk under
 * cache/px-<size>-<fit>/, so later epochs and later runs read them back instead of decoding. A set
 * that fits the memory budget is then held in memory; a larger one is read from that cache a row
 * at a time (the OS page cache keeps what fits), so memory stays flat however many images there are.
 * Images that cannot be read (deleted from disk after versioning) are reported, not fatal.
 */
export async function loadPixels(
  paths: ProjectPaths,
  items: DatasetItem[],
  spec: InputSpec,
  onProblem: (p: PixelProblem) => void,
  concurrency = 4,
  budget = pixelMemoryBudget(),
): Promise<PixelSet> {
  const per = spec.size * spec.size * 3
  const dir = path.join(paths.cache, `px-${spec.size}-${spec.fit}`)
  const inMemory = items.length * per <= budget
  const cachedFile = (item: DatasetItem) => path.join(dir, item.hash.slice(0, 2), `${item.hash}.rgb`)
  const got: (Buffer | null)[] = new Array(items.length).fill(null)
  const ready: boolean[] = new Array(items.length).fill(false)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      const item = items[i]!
      const cached = cachedFile(item)
      try {
        if (inMemory) got[i] = await fs.readFile(cached)
        if ((inMemory ? got[i]!.length : (await fs.stat(cached)).size) === per) {
          ready[i] = true
          continue
        }
      } catch {
        // not cached yet
      }
      try {
        const buf = await decode(mediaFile(paths.media, item.hash, item.ext), spec)
        await writeAtomic(cached, buf, paths.tmp)
        if (inMemory) got[i] = buf
        ready[i] = true
      } catch (err) {
        const file = mediaFile(paths.media, item.hash, item.ext)
        const missing = await fs.access(file).then(
          () => false,
          () => true,
        )
        onProblem({
          imageId: item.imageId,
          reason: missing ? 'original is missing from the project folder' : errorMessage(err),
        })
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  const ok = items.map((_, i) => i).filter((i) => ready[i])
  const base = {
    spec,
    imageIds: ok.map((i) => items[i]!.imageId),
    labels: Int32Array.from(ok.map((i) => items[i]!.classIndex)),
    inMemory,
  }
  if (!inMemory) {
    const files = ok.map((i) => cachedFile(items[i]!))
    return {
      ...base,
      row: (k) => {
        let b: Buffer
        try {
          b = readFileSync(files[k]!)
        } catch (err) {
          throw new StudioError(`pixel cache file ${files[k]} could not be read during training: ${errorMessage(err)}`)
        }
        if (b.length !== per) throw new StudioError(`pixel cache file ${files[k]} has ${b.length} bytes, not ${per}`)
        return new Uint8Array(b.buffer, b.byteOffset, b.length)
      },
    }
  }
  const pixels = new Uint8Array(ok.length * per)
  ok.forEach((i, k) => pixels.set(got[i]!, k * per))
  return { ...base, row: (k) => pixels.subarray(k * per, (k + 1) * per) }
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
