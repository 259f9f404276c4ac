/**
 * The 64-bit DCT perceptual hash (pHash): the luminance area-averaged to 32×32, its 8×8 lowest DCT
 * frequencies, one bit per coefficient (above the median of the 63 non-DC ones). Robust to
 * resizing, re-encoding and small crops; hashes of unrelated images differ in about half their bits.
 */

/** Side of the area-averaged grid the hash is taken from. */
export const HASH_SIDE = 32
const LOW = 8
/** cos((2x + 1) u π / 64) for u < 8, x < 32: the only DCT coefficients pHash keeps. */
const COS = (() => {
  const t = new Float64Array(LOW * HASH_SIDE)
  for (let u = 0; u < LOW; u++) {
    for (let x = 0; x < HASH_SIDE; x++) t[u * HASH_SIDE + x] = Math.cos(((2 * x + 1) * u * Math.PI) / (2 * HASH_SIDE))
  }
  return t
})()

/** pHash of a single-channel image (w × h luminance). */
export function phash(luma: Float32Array, w: number, h: number): string {
  return phashOfGrid(areaResize(luma, w, h, HASH_SIDE))
}

/** The cell of the HASH_SIDE grid that source column (or row) `x` of `w` falls in. */
export function cellOf(x: number, w: number): number {
  return Math.min(HASH_SIDE - 1, Math.floor((x * HASH_SIDE) / w))
}

/**
 * pHash of the 32×32 area-averaged grid (row-major). measure() builds the grid in its pass over
 * the pixels, so the hash costs no second pass over the luminance.
 */
export function phashOfGrid(small: Float64Array): string {
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
  const ac = coef.slice(1).sort()
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
  for (let x = 0; x < w; x++) colCount[(col[x] = cellOf(x, w))]!++
  for (let y = 0; y < h; y++) {
    const ty = cellOf(y, h)
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
