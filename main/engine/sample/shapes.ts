import fs from 'node:fs'
import path from 'node:path'
import sharp from 'sharp'
import { rng } from '../random'

export const SHAPES = ['circle', 'square', 'triangle', 'cross'] as const

/**
 * Writes `perClass` images of each shape into `dir/<shape>/`: a randomly placed and sized shape in
 * a random colour on a random background, with pixel noise. An easy task a small CNN should learn.
 * The same seed writes the same files (the noise too: sharp's own noise generator is not seeded),
 * so the demo and the tests that train on these images see the same set every time.
 */
export async function writeShapes(dir: string, perClass: number, seed = 1, size = 64): Promise<void> {
  const random = rng(seed)
  const r = (lo: number, hi: number) => lo + random() * (hi - lo)
  for (const shape of SHAPES) {
    fs.mkdirSync(path.join(dir, shape), { recursive: true })
    for (let i = 0; i < perClass; i++) {
      const s = r(0.25, 0.42) * size
      const cx = r(s, size - s)
      const cy = r(s, size - s)
      // Dark shape on a light background in random hues: colour never tells the class, shape does.
      const hue = Math.floor(r(0, 360))
      const fg = `hsl(${hue},70%,${Math.floor(r(20, 40))}%)`
      const bg = `hsl(${Math.floor(r(0, 360))},30%,${Math.floor(r(75, 92))}%)`
      const body = {
        circle: `<circle cx="${cx}" cy="${cy}" r="${s}" fill="${fg}"/>`,
        square: `<rect x="${cx - s}" y="${cy - s}" width="${2 * s}" height="${2 * s}" fill="${fg}"/>`,
        triangle: `<polygon points="${cx},${cy - s} ${cx - s},${cy + s} ${cx + s},${cy + s}" fill="${fg}"/>`,
        cross: `<path d="M${cx - s} ${cy}H${cx + s}M${cx} ${cy - s}V${cy + s}" stroke="${fg}" stroke-width="${s / 2}"/>`,
      }[shape]
      const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}"><rect width="100%" height="100%" fill="${bg}"/>${body}</svg>`
      const noise = await sharp(gaussianNoise(size, 10, random), { raw: { width: size, height: size, channels: 3 } })
        .png()
        .toBuffer()
      await sharp(Buffer.from(svg))
        .composite([{ input: noise, blend: 'add' }])
        .jpeg({ quality: 90 })
        .toFile(path.join(dir, shape, `${shape}-${String(i).padStart(4, '0')}.jpg`))
    }
  }
}

/**
 * RGB noise as sharp's `create.noise` (gaussian, mean 0) makes it, from a seeded stream: each sample
 * rounded and clamped to 0–255, so only the positive half shows when it is added to an image.
 */
function gaussianNoise(size: number, sigma: number, random: () => number): Buffer {
  const out = Buffer.alloc(size * size * 3)
  for (let i = 0; i < out.length; i += 2) {
    // Box–Muller: two independent normal samples per pair of uniform ones.
    const r = Math.sqrt(-2 * Math.log(1 - random())) * sigma
    const t = 2 * Math.PI * random()
    out[i] = Math.min(255, Math.max(0, Math.round(r * Math.cos(t))))
    if (i + 1 < out.length) out[i + 1] = Math.min(255, Math.max(0, Math.round(r * Math.sin(t))))
  }
  return out
}
