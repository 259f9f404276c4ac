import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll } from 'vitest'

/** A fresh temporary folder, removed after the test file. */
export function tmpDir(prefix = 'studio-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

export type Fmt = 'jpeg' | 'png' | 'webp' | 'gif' | 'tiff' | 'avif'

/**
 * A small distinct image: a solid colour from `seed` with a bright square whose position also
 * depends on `seed`, so every seed hashes differently.
 */
export async function makeImage(file: string, seed: number, fmt: Fmt = 'jpeg', w = 64, h = 48): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  const r = (seed * 67) % 256
  const g = (seed * 131) % 256
  const b = (seed * 29) % 256
  const sq = Math.max(4, Math.floor(Math.min(w, h) / 4))
  const square = await sharp({
    create: { width: sq, height: sq, channels: 3, background: { r: 255 - r, g: 255 - g, b: 255 - b } },
  })
    .png()
    .toBuffer()
  let img = sharp({ create: { width: w, height: h, channels: 3, background: { r, g, b } } }).composite([
    { input: square, left: seed % (w - sq), top: Math.floor(seed / 7) % (h - sq) },
  ])
  img = fmt === 'jpeg' ? img.jpeg({ quality: 90 }) : img.toFormat(fmt)
  await img.toFile(file)
}

/** Writes `n` distinct JPEGs into `dir`, named img-000.jpg… starting at seed `from`. */
export async function makeImages(dir: string, n: number, from = 0, w = 64, h = 48): Promise<string[]> {
  const files: string[] = []
  for (let i = 0; i < n; i++) {
    const f = path.join(dir, `img-${String(i).padStart(3, '0')}.jpg`)
    await makeImage(f, from + i, 'jpeg', w, h)
    files.push(f)
  }
  return files
}

export const SHARED = path.resolve(import.meta.dirname, '../../../shared')
export const HYMENOPTERA = path.join(SHARED, 'data/hymenoptera')
