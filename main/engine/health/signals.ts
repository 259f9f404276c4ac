import sharp from 'sharp'
import { cellOf, HASH_SIDE, phash, phashOfGrid } from './phash'

/**
 * What the health report needs to know about one image's pixels, computed once (at import, or by
 * the backfill job for images imported before) and stored with the image.
 */
export interface ImageSignals {
  /** 64-bit perceptual hash (DCT pHash) as 16 hex digits. */
  phash: string
  /** Mean luminance, 0–255. */
  brightness: number
  /** Mean spread between the colour channels, 0–255: near 0 for a grayscale image. */
  colourfulness: number
  /**
   * Variance of the Laplacian of the luminance (at SIGNAL_SIDE / SIGNAL_STEP) over the luminance's own variance:
   * fine detail relative to contrast, so a dim or faded image is not called blurry. Low = blurry.
   */
  sharpness: number
}

/** Longest side the signals are measured at: enough detail for blur, cheap to decode (shrink-on-load). */
export const SIGNAL_SIDE = 256

export interface RawImage {
  data: Uint8Array
  width: number
  height: number
  channels: number
}

/**
 * Decodes an image (EXIF-oriented, 8-bit sRGB, alpha kept) to at most SIGNAL_SIDE on its longest
 * side. The import makes the thumbnail from these same pixels (bicubic, like the thumbnail always
 * was), so measuring costs no second decode and the backfill measures exactly what an import would.
 */
export async function signalPixels(input: Buffer | string, maxPixels = 268_402_689): Promise<RawImage> {
  const { data, info } = await sharp(input, { limitInputPixels: maxPixels, failOn: 'truncated', animated: false })
    .rotate()
    .resize(SIGNAL_SIDE, SIGNAL_SIDE, { fit: 'inside', withoutEnlargement: true, kernel: 'cubic' })
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true })
  return { data, width: info.width, height: info.height, channels: info.channels }
}

/** Decodes an image as `signalPixels` does and measures it. */
export async function signalsOf(input: Buffer | string, maxPixels = 268_402_689): Promise<ImageSignals> {
  return measure(await signalPixels(input, maxPixels))
}

/**
 * Sampling step of the measurement: every STEP-th pixel of every STEP-th row (128 × 96 of a 256 × 192
 * thumbnail). The libvips resize to SIGNAL_SIDE already low-passed the pixels, so the samples keep the
 * tone, colour and the hash's low frequencies; the Laplacian then sees detail at half the thumbnail's
 * resolution (OUTLIER.blurry is calibrated on that scale). A quarter of the pixels is a quarter of the
 * main thread's work per imported image (bench/health.ts: 0.45 → 0.13 ms).
 */
export const SIGNAL_STEP = 2

/**
 * Pure: the signals of decoded pixels (1–2 channels: gray; 3–4: RGB; interleaved; alpha ignored),
 * measured on the SIGNAL_STEP-subsampled image. Runs on the importer's main thread for every image,
 * so it makes one pass over the samples for the luminance, its moments, the colour spread and the
 * pHash's 32×32 area sums, then one for the Laplacian.
 */
export function measure(img: RawImage): ImageSignals {
  const { data, width, height, channels } = img
  const w = Math.ceil(width / SIGNAL_STEP)
  const h = Math.ceil(height / SIGNAL_STEP)
  const luma = scratch(w * h)
  // Smaller than the hash grid: cells without a pixel of their own are filled by phash().
  const grid = w >= HASH_SIDE && h >= HASH_SIDE ? cells.fill(0) : null
  const starts = columnStarts(w)
  const stride = SIGNAL_STEP * channels
  let sum = 0
  let sq = 0
  let spread = 0
  const rgb = channels >= 3
  for (let y = 0, i = 0; y < h; y++) {
    const row = cellOf(y, h) * HASH_SIDE
    let p = y * SIGNAL_STEP * width * channels
    for (let tx = 0; tx < HASH_SIDE; tx++) {
      const end = y * w + starts[tx + 1]!
      // Sums of float32 luminance over ≤ 2²⁴ pixels are exact in float64, so summing a run of a
      // row at a time gives the very hash that summing pixel by pixel gives.
      let cell = 0
      if (rgb) {
        for (; i < end; i++, p += stride) {
          const r = data[p]!
          const g = data[p + 1]!
          const b = data[p + 2]!
          // Summed as stored (float32), so the moments describe exactly the luminance the other checks use.
          const v = Math.fround(0.299 * r + 0.587 * g + 0.114 * b)
          luma[i] = v
          cell += v
          sq += v * v
          // max − min of three is half the sum of their pairwise distances; without branches that noisy
          // pixels mispredict, this pass is 5× faster.
          spread += Math.abs(r - g) + Math.abs(g - b) + Math.abs(b - r)
        }
      } else {
        for (; i < end; i++, p += stride) {
          const v = data[p]!
          luma[i] = v
          cell += v
          sq += v * v
        }
      }
      sum += cell
      if (grid) grid[row + tx]! += cell
    }
  }
  const n = w * h
  const mean = sum / n
  const variance = sq / n - mean * mean
  return {
    phash: grid ? phashOfGrid(averaged(grid, w, h)) : phash(luma, w, h),
    brightness: mean,
    colourfulness: rgb ? spread / 2 / n : 0,
    sharpness: laplacianVariance(luma, w, h) / Math.max(variance, 1),
  }
}

let lumaScratch = new Float32Array(SIGNAL_SIDE * SIGNAL_SIDE)
const cells = new Float64Array(HASH_SIDE * HASH_SIDE)

/**
 * A reused luminance buffer: an import measures thousands of images in a row, and a fresh 200 KB
 * array each time is garbage the main thread then collects. measure() is synchronous, so one suffices.
 */
function scratch(n: number): Float32Array {
  if (lumaScratch.length < n) lumaScratch = new Float32Array(n)
  return lumaScratch.subarray(0, n)
}

/**
 * First column of each grid cell, plus w at the end (cells past the image's width start at w and are
 * empty). Cached for the last width: an import's images mostly share theirs.
 */
function columnStarts(w: number): Int32Array {
  if (startsFor === w) return starts
  starts = new Int32Array(HASH_SIDE + 1).fill(w)
  for (let x = w - 1; x >= 0; x--) starts[cellOf(x, w)] = x
  // A cell no column falls in (only when w < HASH_SIDE) starts where the next one does.
  for (let tx = HASH_SIDE - 1; tx >= 0; tx--) starts[tx] = Math.min(starts[tx]!, starts[tx + 1]!)
  startsFor = w
  return starts
}
let startsFor = -1
let starts = new Int32Array(HASH_SIDE + 1)

/** Grid sums → means: each cell holds (its rows) × (its columns) pixels. */
function averaged(sums: Float64Array, w: number, h: number): Float64Array {
  const rowCount = new Float64Array(HASH_SIDE)
  const colCount = new Float64Array(HASH_SIDE)
  for (let y = 0; y < h; y++) rowCount[cellOf(y, h)]!++
  for (let x = 0; x < w; x++) colCount[cellOf(x, w)]!++
  const out = new Float64Array(HASH_SIDE * HASH_SIDE)
  for (let ty = 0; ty < HASH_SIDE; ty++) {
    for (let tx = 0; tx < HASH_SIDE; tx++) {
      const t = ty * HASH_SIDE + tx
      out[t] = sums[t]! / (rowCount[ty]! * colCount[tx]!)
    }
  }
  return out
}

/** Variance of the 4-neighbour Laplacian over the interior pixels. */
export function laplacianVariance(luma: Float32Array, w: number, h: number): number {
  if (w < 3 || h < 3) return 0
  let sum = 0
  let sq = 0
  for (let y = 1; y < h - 1; y++) {
    for (let i = y * w + 1, end = y * w + w - 1; i < end; i++) {
      const v = luma[i - 1]! + luma[i + 1]! + luma[i - w]! + luma[i + w]! - 4 * luma[i]!
      sum += v
      sq += v * v
    }
  }
  const n = (w - 2) * (h - 2)
  const mean = sum / n
  return sq / n - mean * mean
}

/** Number of differing bits between two 16-hex-digit hashes. */
export function hamming(a: string, b: string): number {
  return (
    popcount(parseInt(a.slice(0, 8), 16) ^ parseInt(b.slice(0, 8), 16)) +
    popcount(parseInt(a.slice(8), 16) ^ parseInt(b.slice(8), 16))
  )
}

export function popcount(x: number): number {
  x = x - ((x >>> 1) & 0x55555555)
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333)
  x = (x + (x >>> 4)) & 0x0f0f0f0f
  return Math.imul(x, 0x01010101) >>> 24
}
