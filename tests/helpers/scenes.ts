import sharp from 'sharp'
import { rng } from '../../main/engine/random'

/**
 * A photo-like RGB scene: a gradient background, a dozen random rectangles and discs, and noise,
 * all drawn from `seed`. Unrelated seeds give unrelated pictures; the same seed the same one.
 */
export function sceneRaw(seed: number, w = 320, h = 240): { data: Buffer; width: number; height: number } {
  const r = rng(seed)
  const data = Buffer.alloc(w * h * 3)
  const c0 = [r() * 255, r() * 255, r() * 255]
  const c1 = [r() * 255, r() * 255, r() * 255]
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const t = (x / w + y / h) / 2
      for (let c = 0; c < 3; c++) data[(y * w + x) * 3 + c] = c0[c]! * (1 - t) + c1[c]! * t
    }
  }
  for (let s = 0; s < 12; s++) {
    const cx = r() * w
    const cy = r() * h
    const rad = (0.05 + r() * 0.2) * Math.min(w, h)
    const disc = r() < 0.5
    const col = [r() * 255, r() * 255, r() * 255]
    for (let y = Math.max(0, Math.floor(cy - rad)); y < Math.min(h, cy + rad); y++) {
      for (let x = Math.max(0, Math.floor(cx - rad)); x < Math.min(w, cx + rad); x++) {
        if (disc && (x - cx) ** 2 + (y - cy) ** 2 > rad * rad) continue
        for (let c = 0; c < 3; c++) data[(y * w + x) * 3 + c] = col[c]!
      }
    }
  }
  for (let i = 0; i < data.length; i++) data[i] = Math.max(0, Math.min(255, data[i]! + (r() - 0.5) * 24))
  return { data, width: w, height: h }
}

/** The scene as an encoded image (JPEG by default). */
export async function scene(seed: number, w = 320, h = 240, fmt: 'jpeg' | 'png' = 'jpeg'): Promise<Buffer> {
  const { data, width, height } = sceneRaw(seed, w, h)
  const img = sharp(data, { raw: { width, height, channels: 3 } })
  return fmt === 'png' ? img.png().toBuffer() : img.jpeg({ quality: 92 }).toBuffer()
}
