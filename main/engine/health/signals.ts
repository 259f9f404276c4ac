import sharp from 'sharp'

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
   * Variance of the Laplacian of the luminance at SIGNAL_SIDE over the luminance's own variance:
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
 * Pure: the signals of decoded pixels (1–2 channels: gray; 3–4: RGB; interleaved; alpha ignored).
 * Runs on the importer's main thread for every image, so it makes one pass over the pixels for
 * luminance, its moments and the colour spread (≈ 0.5 ms at 256×192, from ≈ 2 ms in separate passes).
 */
export function measure(img: RawImage): ImageSignals {
  const { data, width: w, height: h, channels } = img
  const n = w * h
  const luma = scratch(n)
  let sum = 0
  let sq = 0
  let spread = 0
  if (channels < 3) {
    for (let i = 0, p = 0; i < n; i++, p += channels) {
      const v = data[p]!
      luma[i] = v
      sum += v
      sq += v * v
    }
  } else {
    for (let i = 0, p = 0; i < n; i++, p += channels) {
      const r = data[p]!
      const g = data[p + 1]!
      const b = data[p + 2]!
      // Summed as stored (float32), so the moments describe exactly the luminance the other checks use.
      const v = Math.fround(0.299 * r + 0.587 * g + 0.114 * b)
      luma[i] = v
      sum += v
      sq += v * v
      // max − min of three is half the sum of their pairwise distances; without branches that noisy
      // pixels mispredict, this pass is 5× faster.
      spread += Math.abs(r - g) + Math.abs(g - b) + Math.abs(b - r)
    }
  }
  const mean = sum / n
  const variance = sq / n - mean * mean
  return {
    phash: phash(luma, w, h),
    brightness: mean,
    colourfulness: channels < 3 ? 0 : spread / 2 / n,
    sharpness: laplacianVariance(luma, w, h) / Math.max(variance, 1),
  }
}

let lumaScratch = new Float32Array(SIGNAL_SIDE * SIGNAL_SIDE)

/**
 * A reused luminance buffer: an import measures thousands of images in a row, and a fresh 200 KB
 * array each time is garbage the main thread then collects. measure() is synchronous, so one suffices.
 */
function scratch(n: number): Float32Array {
  if (lumaScratch.length < n) lumaScratch = new Float32Array(n)
  return lumaScratch.subarray(0, n)
}

/** Variance of the 4-neighbour Laplacian over the interior pixels. */
export function laplacianVariance(luma: Float32Array, w: number, h: number): number {
  if (w < 3 || h < 3) return 0
  let sum = 0
  let sq = 0
  let n = 0
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x
      const v = luma[i - 1]! + luma[i + 1]! + luma[i - w]! + luma[i + w]! - 4 * luma[i]!
      sum += v
      sq += v * v
      n++
    }
  }
  const mean = sum / n
  return sq / n - mean * mean
}

const HASH_SIDE = 32
const LOW = 8
/** cos((2x + 1) u π / 64) for u < 8, x < 32: the only DCT coefficients pHash keeps. */
const COS = (() => {
  const t = new Float64Array(LOW * HASH_SIDE)
  for (let u = 0; u < LOW; u++) {
    for (let x = 0; x < HASH_SIDE; x++) t[u * HASH_SIDE + x] = Math.cos(((2 * x + 1) * u * Math.PI) / (2 * HASH_SIDE))
  }
  return t
})()

/**
 * pHash: the luminance area-averaged to 32×32, its 8×8 lowest DCT frequencies, one bit per
 * coefficient (above the median of the 63 non-DC ones). Robust to resizing, re-encoding and small
 * crops; hashes of unrelated images differ in about half their bits.
 */
export function phash(luma: Float32Array, w: number, h: number): string {
  const small = areaResize(luma, w, h, HASH_SIDE)
  // Separable DCT, low frequencies only: rows first (8 × 32), then columns (8 × 8).
  const rows = new Float64Array(HASH_SIDE * LOW)
  for (let y = 0; y < HASH_SIDE; y++) {
    for (let u = 0; u < LOW; u++) {
      let s = 0
      for (let x = 0; x < HASH_SIDE; x++) s += small[y * HASH_SIDE + x]! * COS[u * HASH_SIDE + x]!
      rows[y * LOW + u] = s
    }
  }
  const coef = new Float64Array(LOW * LOW)
  for (let v = 0; v < LOW; v++) {
    for (let u = 0; u < LOW; u++) {
      let s = 0
      for (let y = 0; y < HASH_SIDE; y++) s += rows[y * LOW + u]! * COS[v * HASH_SIDE + y]!
      coef[v * LOW + u] = s
    }
  }
  const ac = Array.from(coef.subarray(1)).sort((a, b) => a - b)
  const median = (ac[31]! + ac[32]!) / 2
  let hi = 0
  let lo = 0
  for (let i = 0; i < 64; i++) {
    if (coef[i]! <= median) continue
    if (i < 32) hi |= 1 << (31 - i)
    else lo |= 1 << (63 - i)
  }
  return (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0')
}

/** Box-filter resize of a single-channel image to side × side (every source pixel counted once). */
function areaResize(src: Float32Array, w: number, h: number, side: number): Float64Array {
  const out = new Float64Array(side * side)
  // Each target cell averages a block of whole source rows × columns: count them once, not per pixel.
  const col = new Int32Array(w)
  const colCount = new Float64Array(side)
  const rowCount = new Float64Array(side)
  for (let x = 0; x < w; x++) colCount[(col[x] = Math.min(side - 1, Math.floor((x * side) / w)))]!++
  for (let y = 0; y < h; y++) {
    const ty = Math.min(side - 1, Math.floor((y * side) / h))
    rowCount[ty]!++
    const row = ty * side
    for (let x = 0, i = y * w; x < w; x++, i++) out[row + col[x]!]! += src[i]!
  }
  const weight = new Float64Array(side * side)
  for (let ty = 0; ty < side; ty++)
    for (let tx = 0; tx < side; tx++) weight[ty * side + tx] = rowCount[ty]! * colCount[tx]!
  for (let i = 0; i < out.length; i++) out[i] = weight[i] ? out[i]! / weight[i]! : 0
  // An image smaller than the hash grid leaves holes: fill them from the nearest source pixel.
  if (w < side || h < side) {
    for (let ty = 0; ty < side; ty++) {
      for (let tx = 0; tx < side; tx++) {
        const t = ty * side + tx
        if (!weight[t]) out[t] = src[Math.floor((ty * h) / side) * w + Math.floor((tx * w) / side)]!
      }
    }
  }
  return out
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
