import { expect } from 'vitest'

/** n random images of size × size × 3 bytes, deterministic (a linear congruential stream from `seed`). */
export function randomPixels(n: number, size: number, seed: number): Uint8Array {
  const px = new Uint8Array(n * size * size * 3)
  let s = seed
  for (let i = 0; i < px.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0
    px[i] = s >>> 24
  }
  return px
}

/** The largest absolute difference between two arrays of the same length (checked). */
export function maxDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length)
  let d = 0
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!))
  return d
}
