import fs from 'node:fs'
import path from 'node:path'
import sharp from 'sharp'
import { rng } from '../../main/engine/random'
import { FASHION_CLASSES, loadFashion } from './fashion'

/**
 * The image set of bench/scale, written to disk a few files at a time (never all in memory):
 * Fashion-MNIST as PNG class folders (`train/<class>/`, `test/<class>/`: the import makes them
 * classes with origin train/test) and generated photo-like JPEGs of assorted sizes at the top
 * (unlabeled). `fashion` images come first from the official train file, then from its test file.
 */
export interface SetPlan {
  fashion: number
  photos: number
}

/** Splits a total the way the full run does: 70 % Fashion-MNIST (at most 70,000), the rest photos. */
export function planSet(total: number): SetPlan {
  const fashion = Math.min(70_000, Math.round(total * 0.7))
  return { fashion, photos: total - fashion }
}

export interface SetSummary {
  files: number
  bytes: number
  seconds: number
}

export async function writeSet(dir: string, plan: SetPlan, log: (s: string) => void): Promise<SetSummary> {
  const t0 = performance.now()
  fs.mkdirSync(dir, { recursive: true })
  const { train, test } = loadFashion()
  const nTrain = Math.min(plan.fashion, Math.round(plan.fashion * (6 / 7)), 60_000)
  const nTest = Math.min(plan.fashion - nTrain, 10_000)
  let bytes = 0
  const tasks = function* () {
    for (let i = 0; i < nTrain + nTest; i++) {
      const fromTest = i >= nTrain
      const split = fromTest ? test : train
      const k = fromTest ? i - nTrain : i
      const file = path.join(
        dir,
        fromTest ? 'test' : 'train',
        FASHION_CLASSES[split.labels[k]!]!,
        `${fromTest ? 't' : 'f'}${String(k).padStart(5, '0')}.png`,
      )
      yield () => writePng(file, split.pixels.subarray(k * 784, (k + 1) * 784))
    }
    for (let i = 0; i < plan.photos; i++) {
      yield () => writePhoto(path.join(dir, `photo-${String(i).padStart(6, '0')}.jpg`), i)
    }
  }
  const total = nTrain + nTest + plan.photos
  let done = 0
  let lastLog = performance.now()
  await pool(tasks(), 6, (n) => {
    bytes += n
    done++
    if (performance.now() - lastLog > 15_000) {
      lastLog = performance.now()
      log(`  written ${done}/${total}`)
    }
  })
  dropBaseScenes()
  fs.writeFileSync(path.join(dir, '.complete'), JSON.stringify(plan))
  return { files: total, bytes, seconds: (performance.now() - t0) / 1000 }
}

async function pool(tasks: Iterator<() => Promise<number>>, width: number, onDone: (n: number) => void) {
  const lane = async () => {
    for (let t = tasks.next(); !t.done; t = tasks.next()) onDone(await t.value())
  }
  await Promise.all(Array.from({ length: width }, lane))
}

async function writePng(file: string, grey: Uint8Array): Promise<number> {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  const info = await sharp(grey, { raw: { width: 28, height: 28, channels: 1 } })
    .png()
    .toFile(file)
  return info.size
}

/** Sides of the generated photos: phone, camera, web and thumbnail-sized frames, landscape and portrait. */
const SIZES: [number, number][] = [
  [640, 480],
  [800, 600],
  [1024, 768],
  [1280, 960],
  [1600, 1200],
  [1200, 800],
  [1280, 720],
  [480, 640],
  [600, 800],
  [768, 1024],
  [500, 500],
  [320, 240],
  [400, 300],
]
const BASE = { width: 2048, height: 1536, count: 12 }

/**
 * Photo-like content is costly to render (a 1.2 MP SVG scene with noise ≈ 65 ms of CPU), so a dozen
 * base scenes are rendered once (many shapes, sensor-like noise; ≈ 110 MB of raw pixels) and each
 * photo is a crop of one at its own offset, mirrored or not, its colours mixed its own way.
 */
let bases: Promise<Buffer[]> | null = null
function baseScenes(): Promise<Buffer[]> {
  bases ??= Promise.all(
    Array.from({ length: BASE.count }, async (_, k) => {
      const { width: w, height: h } = BASE
      const rnd = rng(1000 + k)
      const hue = Math.floor(rnd() * 360)
      const shapes = Array.from({ length: 60 }, () => {
        const cx = Math.floor(rnd() * w)
        const cy = Math.floor(rnd() * h)
        const r = Math.floor((0.01 + rnd() * rnd() * 0.3) * h)
        const c = `hsl(${Math.floor(rnd() * 360)},${30 + Math.floor(rnd() * 60)}%,${20 + Math.floor(rnd() * 60)}%)`
        const o = (0.4 + rnd() * 0.6).toFixed(2)
        return rnd() < 0.5
          ? `<circle cx="${cx}" cy="${cy}" r="${r}" fill="${c}" opacity="${o}"/>`
          : `<rect x="${cx - r}" y="${cy - r / 2}" width="${2 * r}" height="${r}" rx="${Math.floor(r / 5)}" fill="${c}" opacity="${o}" transform="rotate(${Math.floor(rnd() * 180)} ${cx} ${cy})"/>`
      }).join('')
      const svg = `<svg width="${w}" height="${h}" xmlns="http://www.w3.org/2000/svg"><defs><linearGradient id="g" x2="${rnd().toFixed(2)}" y2="1">
        <stop offset="0" stop-color="hsl(${hue},60%,65%)"/><stop offset="1" stop-color="hsl(${(hue + 120) % 360},50%,25%)"/></linearGradient></defs>
        <rect width="${w}" height="${h}" fill="url(#g)"/>${shapes}</svg>`
      const noise = await sharp({
        create: {
          width: w,
          height: h,
          channels: 3,
          background: '#000',
          noise: { type: 'gaussian', mean: 0, sigma: 10 },
        },
      })
        .raw()
        .toBuffer()
      return sharp(Buffer.from(svg))
        .composite([{ input: noise, raw: { width: w, height: h, channels: 3 }, blend: 'add' }])
        .removeAlpha()
        .raw()
        .toBuffer()
    }),
  )
  return bases
}

/** Frees the base scenes once the photos are written. */
export function dropBaseScenes(): void {
  bases = null
}

/** A deterministic photo-like JPEG (see baseScenes). */
async function writePhoto(file: string, i: number): Promise<number> {
  const rnd = rng(i + 1)
  const [w, h] = SIZES[i % SIZES.length]!
  const base = (await baseScenes())[Math.floor(rnd() * BASE.count)]!
  let img = sharp(base, { raw: { width: BASE.width, height: BASE.height, channels: 3 } }).extract({
    left: Math.floor(rnd() * (BASE.width - w)),
    top: Math.floor(rnd() * (BASE.height - h)),
    width: w,
    height: h,
  })
  if (rnd() < 0.5) img = img.flop()
  // A random colour mix, each row summing to the brightness (sharp's modulate costs 4× the encode).
  const brightness = 0.8 + rnd() * 0.4
  const mix = [0, 1, 2].map(() => {
    const row = [rnd() ** 2, rnd() ** 2, rnd() ** 2]
    const sum = row[0]! + row[1]! + row[2]!
    return row.map((v) => (v / sum) * brightness) as [number, number, number]
  }) as [[number, number, number], [number, number, number], [number, number, number]]
  const info = await img
    .recomb(mix)
    .jpeg({ quality: 80 + Math.floor(rnd() * 15) })
    .toFile(file)
  return info.size
}
