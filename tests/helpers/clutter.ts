import { rng } from '../../main/engine/random'

/** One generated image of the pointing game: pixels 0–1 (size² × 3), its class and the shape's box. */
export interface ClutterSample {
  px: Float32Array
  label: number
  box: { x: number; y: number; w: number; h: number }
}

/**
 * A shape on clutter (the Grad-CAM pointing game's set, shared by the test and bench/explain.ts):
 * class 0 a filled disc, class 1 a filled plus sign, both the same colours, at a random position;
 * class 2 no shape. The background is random short lines in the same palette. The class is only in
 * the shape, and the empty class means neither shape can be told by the other's absence, so a
 * model that learned the task must look at the shape. Sizes scale with `size` (at 48 px: a 14 px
 * shape among 14 lines of 5 px), so a larger input is the same task at a higher resolution.
 */
export function clutterSample(seed: number, size = 48): ClutterSample {
  const r = rng(seed)
  const k = size / 48
  const px = new Float32Array(size * size * 3)
  const colour = () => [0.3 + r() * 0.7, 0.3 + r() * 0.7, 0.3 + r() * 0.7]
  const put = (x: number, y: number, c: number[]) => {
    if (x < 0 || y < 0 || x >= size || y >= size) return
    for (let j = 0; j < 3; j++) px[(y * size + x) * 3 + j] = c[j]!
  }
  const lines = Math.round(14 * k * k)
  const length = Math.round(5 * k)
  for (let n = 0; n < lines; n++) {
    const c = colour()
    const x0 = Math.floor(r() * size)
    const y0 = Math.floor(r() * size)
    const horizontal = r() < 0.5
    for (let t = 0; t < length; t++) put(horizontal ? x0 + t : x0, horizontal ? y0 : y0 + t, c)
  }
  const u = r()
  const label = u < 0.4 ? 0 : u < 0.8 ? 1 : 2
  const side = Math.round(14 * k)
  const arm = 2.5 * k
  const bx = Math.floor(r() * (size - side))
  const by = Math.floor(r() * (size - side))
  const c = colour()
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const dx = x - (side - 1) / 2
      const dy = y - (side - 1) / 2
      const inside = label === 0 ? dx * dx + dy * dy <= (side / 2) ** 2 : Math.abs(dx) <= arm || Math.abs(dy) <= arm
      if (inside && label < 2) put(bx + x, by + y, c)
    }
  }
  return { px, label, box: { x: bx, y: by, w: side, h: side } }
}

/** The pointing game's usual tolerance: 15 px at 224 px input, scaled to `size`. */
export function pointingTolerance(size: number): number {
  return Math.round((15 / 224) * size)
}

/** Whether (x, y) lies in the box grown by `t` pixels on every side. */
export function inBox(p: { x: number; y: number }, box: ClutterSample['box'], t: number): boolean {
  return p.x >= box.x - t && p.x < box.x + box.w + t && p.y >= box.y - t && p.y < box.y + box.h + t
}
