import { createHash } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import sharp from 'sharp'
import { rng } from '../../../main/engine/random'

/**
 * A folder of malformed images of every kind, mixed with good ones, for the bad-input suite
 * (tests/reliability/fuzz.test.ts, bench/fuzz.ts). Each entry says what an import must do with it:
 * - `good`: imported (its bytes' SHA-256 among the project's images);
 * - `bad`: not imported, listed exactly once (an import error or a skipped file) with a reason;
 * - `either`: imported or listed, exactly one of the two (a file cut at a random offset may still
 *   decode; chmod 000 where the import runs as root with read-bypassing capabilities).
 */
export type Expect = 'good' | 'bad' | 'either'

export interface Entry {
  /** Path relative to the corpus folder, as the import names it. */
  rel: string
  kind: string
  expect: Expect
  /** SHA-256 of the bytes a good (or `either`) file would import. */
  sha?: string
}

export interface Corpus {
  dir: string
  /** A folder beside `dir` that symlinks point into. */
  outside: string
  entries: Entry[]
  /** Why a kind could not be made here (e.g. FIFOs on a file system without them). */
  notes: string[]
}

export interface CorpusOptions {
  /** Malformed files (about; each kind gets its share). */
  bad: number
  /** Good images besides the tricky good ones (CMYK, 16-bit, alpha, animated, odd names). */
  good: number
  seed: number
  /** False when chmod 000 cannot deny the importer a read (root with its capabilities). */
  unreadableDenied: boolean
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')

/** A small distinct picture: a colour from the seed and a square at a seed-given place. */
async function picture(seed: number, fmt: 'jpeg' | 'png' | 'webp' | 'gif' | 'tiff', w = 40, h = 32): Promise<Buffer> {
  const r = rng(seed)
  const c = () => Math.floor(r() * 256)
  const bg = { r: c(), g: c(), b: c() }
  const sq = await sharp({ create: { width: 6, height: 6, channels: 3, background: { r: c(), g: c(), b: c() } } })
    .png()
    .toBuffer()
  const img = sharp({ create: { width: w, height: h, channels: 3, background: bg } }).composite([
    { input: sq, left: Math.floor(r() * (w - 6)), top: Math.floor(r() * (h - 6)) },
  ])
  return fmt === 'jpeg' ? img.jpeg({ quality: 85 }).toBuffer() : img.toFormat(fmt).toBuffer()
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(zlib.crc32(body))
  return Buffer.concat([len, body, crc])
}

/** A PNG whose header declares `w`×`h` but whose data is a few bytes: a decompression bomb's header. */
export function declaredPng(w: number, h: number, colourType = 2): Buffer {
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(w, 0)
  ihdr.writeUInt32BE(h, 4)
  ihdr[8] = 8
  ihdr[9] = colourType
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(Buffer.alloc(64))),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

/** A JPEG start whose frame header declares `w`×`h`, with no scan data. */
function declaredJpeg(w: number, h: number): Buffer {
  const sof = Buffer.from([
    0xff,
    0xc0,
    0,
    17,
    8,
    h >> 8,
    h & 255,
    w >> 8,
    w & 255,
    3,
    1,
    0x22,
    0,
    2,
    0x11,
    1,
    3,
    0x11,
    1,
  ])
  return Buffer.concat([Buffer.from([0xff, 0xd8]), sof, Buffer.from([0xff, 0xd9])])
}

/** A two-frame animated GIF (NETSCAPE loop), frames coloured by the seed. */
function animatedGif(seed: number): Buffer {
  const r = rng(seed)
  const c = () => Math.floor(r() * 256)
  const palette = [c(), c(), c(), c(), c(), c()]
  const frame = (index: number) => [
    0x21,
    0xf9,
    4,
    0,
    10,
    0,
    0,
    0, // graphic control: 0.1 s
    0x2c,
    0,
    0,
    0,
    0,
    2,
    0,
    2,
    0,
    0, // image descriptor 2×2
    2,
    2,
    0x84 | index,
    0x51,
    0, // LZW: 4 pixels of colour `index`
  ]
  return Buffer.from([
    ...Buffer.from('GIF89a', 'latin1'),
    2,
    0,
    2,
    0,
    0x80,
    0,
    0,
    ...palette,
    0x21,
    0xff,
    11,
    ...Buffer.from('NETSCAPE2.0', 'latin1'),
    3,
    1,
    0,
    0,
    0,
    ...frame(0),
    ...frame(1),
    0x3b,
  ])
}

const SVG_EXTERNAL = (n: number) =>
  `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="30000" height="30000">` +
  `<image xlink:href="http://198.51.100.${n % 250}/x.png" width="10" height="10"/>` +
  `<image xlink:href="file:///etc/passwd" width="10" height="10"/>` +
  `<use xlink:href="http://198.51.100.1/defs.svg#a"/><style>@import url(http://198.51.100.2/s.css);</style></svg>`

export async function writeCorpus(dir: string, o: CorpusOptions): Promise<Corpus> {
  const outside = `${dir}-outside`
  fs.mkdirSync(dir, { recursive: true })
  fs.mkdirSync(outside, { recursive: true })
  const r = rng(o.seed)
  const entries: Entry[] = []
  const notes: string[] = []
  let seed = o.seed * 100_000
  const put = (rel: string, data: Buffer | string, kind: string, expect: Expect) => {
    const file = path.join(dir, rel)
    fs.mkdirSync(path.dirname(file), { recursive: true })
    fs.writeFileSync(file, data)
    entries.push({ rel, kind, expect, ...(expect !== 'bad' ? { sha: sha(Buffer.from(data)) } : {}) })
  }
  const FORMATS = ['jpeg', 'png', 'webp', 'gif', 'tiff'] as const
  const EXT = { jpeg: '.jpg', png: '.png', webp: '.webp', gif: '.gif', tiff: '.tif' }
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!

  // Good images, then the tricky good ones.
  for (let i = 0; i < o.good; i++) {
    const f = FORMATS[i % FORMATS.length]!
    put(`good/g-${i}${EXT[f]}`, await picture(seed++, f), `good ${f}`, 'good')
  }
  const base = () => sharp(Buffer.alloc(24 * 20 * 3, seed++ % 251), { raw: { width: 24, height: 20, channels: 3 } })
  put('tricky/cmyk.jpg', await base().toColourspace('cmyk').jpeg().toBuffer(), 'CMYK JPEG', 'good')
  put('tricky/sixteen.png', await base().toColourspace('rgb16').png().toBuffer(), '16-bit PNG', 'good')
  put('tricky/alpha.png', await base().ensureAlpha(0.5).png().toBuffer(), 'alpha PNG', 'good')
  put('tricky/alpha.webp', await base().ensureAlpha(0.3).webp().toBuffer(), 'alpha WebP', 'good')
  put('tricky/animated.gif', animatedGif(seed++), 'animated GIF', 'good')
  put('tricky/grey.png', await base().greyscale().png().toBuffer(), 'greyscale PNG', 'good')
  put('tricky/png-named.jpg', await picture(seed++, 'png'), 'wrong extension (PNG as .jpg)', 'good')
  put('tricky/jpeg-named.png', await picture(seed++, 'jpeg'), 'wrong extension (JPEG as .png)', 'good')
  put('tricky/webp-named.GIF', await picture(seed++, 'webp'), 'wrong extension (WebP as .GIF)', 'good')
  const names = [
    'ünïcødé 猫 🐝.jpg',
    'new\nline.jpg',
    '-rf.jpg',
    '--help.png',
    ' lead and trail .jpg',
    `${'n'.repeat(246)}.jpg`,
  ]
  for (const n of names)
    put(`names/${n}`, await picture(seed++, n.endsWith('.png') ? 'png' : 'jpeg'), 'odd name', 'good')
  put(`names/${'é'.repeat(123)}.jpg`, await picture(seed++, 'jpeg'), '250-byte UTF-8 name', 'good')

  // Malformed files, each kind its share of `o.bad`.
  const share = (k: number) => Math.max(1, Math.round(o.bad * k))
  for (let i = 0; i < share(0.05); i++) put(`bad/zero-${i}${pick(Object.values(EXT))}`, '', 'zero-byte', 'bad')
  for (let i = 0; i < share(0.3); i++) {
    const f = pick(FORMATS)
    const full = await picture(seed++, f, 64 + (i % 5) * 16, 48)
    const at = 1 + Math.floor(r() * (full.length - 2))
    put(`bad/cut-${i}${EXT[f]}`, full.subarray(0, at), `truncated ${f}`, 'either')
  }
  for (let i = 0; i < share(0.15); i++) {
    const f = pick(FORMATS)
    const full = Buffer.from(await picture(seed++, f))
    for (let k = 0; k < 1 + Math.floor(r() * 8); k++) full[Math.floor(r() * full.length)] = Math.floor(r() * 256)
    put(`bad/flip-${i}${EXT[f]}`, full, `corrupted bytes ${f}`, 'either')
  }
  for (let i = 0; i < share(0.1); i++) {
    const f = pick(FORMATS)
    const full = await picture(seed++, f)
    put(`bad/head-${i}${EXT[f]}`, full.subarray(0, 8 + (i % 24)), `header only ${f}`, 'bad')
  }
  for (let i = 0; i < share(0.1); i++) {
    const n = 1 + Math.floor(r() * 2000)
    const bytes = Buffer.from(Array.from({ length: n }, () => Math.floor(r() * 256)))
    put(`bad/noise-${i}${pick(Object.values(EXT))}`, bytes, 'random bytes', 'bad')
  }
  for (let i = 0; i < share(0.06); i++) {
    put(`bad/huge-${i}.png`, declaredPng(30000, 30000 - i), 'declared 30000×30000 PNG', 'bad')
    put(`bad/huge-${i}.jpg`, declaredJpeg(65000, 60000 - i), 'declared 65000×60000 JPEG', 'bad')
  }
  for (let i = 0; i < share(0.04); i++) {
    put(`bad/svg-${i}.svg`, SVG_EXTERNAL(i), 'SVG with external references (.svg)', 'bad')
    put(`bad/svg-${i}.png`, SVG_EXTERNAL(i + 1000), 'SVG with external references (as .png)', 'bad')
  }
  for (let i = 0; i < share(0.04); i++) {
    put(`bad/text-${i}.jpg`, `<html><body>not an image ${i}</body></html>\n`, 'HTML as .jpg', 'bad')
    put(`bad/notes-${i}.txt`, `notes ${i}\n`, 'text file', 'bad')
    put(`bad/zip-${i}.webp`, zlib.gzipSync(Buffer.from(`x${i}`)), 'gzip as .webp', 'bad')
  }

  // Links, special files and permissions.
  const link = (rel: string, target: string, kind: string, expect: Expect, shaOf?: string) => {
    const file = path.join(dir, rel)
    fs.mkdirSync(path.dirname(file), { recursive: true })
    fs.symlinkSync(target, file)
    entries.push({ rel, kind, expect, ...(shaOf ? { sha: shaOf } : {}) })
  }
  for (let i = 0; i < share(0.02); i++) {
    link(`links/self-${i}.jpg`, `self-${i}.jpg`, 'symlink to itself', 'bad')
    link(`links/ping-${i}.jpg`, `pong-${i}.jpg`, 'symlink loop (two links)', 'bad')
    link(`links/pong-${i}.jpg`, `ping-${i}.jpg`, 'symlink loop (two links)', 'bad')
    link(`links/broken-${i}.png`, `/nonexistent/${i}.png`, 'broken symlink', 'bad')
    const out = await picture(seed++, 'jpeg')
    fs.writeFileSync(path.join(outside, `o-${i}.jpg`), out)
    link(
      `links/out-${i}.jpg`,
      path.join(outside, `o-${i}.jpg`),
      'symlink out of the folder (an image)',
      'good',
      sha(out),
    )
    link(`links/etc-${i}.jpg`, '/etc/hostname', 'symlink out of the folder (/etc/hostname)', 'bad')
  }
  fs.mkdirSync(path.join(dir, 'loops', 'deep'), { recursive: true })
  link('loops/deep/up', '..', 'folder symlink loop', 'bad')
  const outDirImg = await picture(seed++, 'png')
  fs.mkdirSync(path.join(outside, 'dir'), { recursive: true })
  fs.writeFileSync(path.join(outside, 'dir', 'inside.png'), outDirImg)
  fs.symlinkSync(path.join(outside, 'dir'), path.join(dir, 'linked-dir'))
  entries.push({
    rel: 'linked-dir/inside.png',
    kind: 'folder symlinked from outside',
    expect: 'good',
    sha: sha(outDirImg),
  })
  try {
    for (let i = 0; i < share(0.01); i++) {
      fs.mkdirSync(path.join(dir, 'special'), { recursive: true })
      execFileSync('mkfifo', [path.join(dir, 'special', `fifo-${i}.jpg`), path.join(dir, 'special', `fifo-${i}.txt`)])
      entries.push({ rel: `special/fifo-${i}.jpg`, kind: 'FIFO named .jpg', expect: 'bad' })
      entries.push({ rel: `special/fifo-${i}.txt`, kind: 'FIFO', expect: 'bad' })
    }
  } catch (err) {
    notes.push(`no FIFOs: ${(err as Error).message}`)
  }
  const unreadable: Expect = o.unreadableDenied ? 'bad' : 'either'
  for (let i = 0; i < share(0.02); i++) {
    put(`locked/locked-${i}.jpg`, await picture(seed++, 'jpeg'), 'unreadable (chmod 000)', unreadable)
    fs.chmodSync(path.join(dir, `locked/locked-${i}.jpg`), 0o000)
  }
  fs.mkdirSync(path.join(dir, 'locked-dir'))
  fs.writeFileSync(path.join(dir, 'locked-dir', 'inside.jpg'), await picture(seed++, 'jpeg'))
  fs.chmodSync(path.join(dir, 'locked-dir'), 0o000)
  if (o.unreadableDenied) entries.push({ rel: 'locked-dir', kind: 'unreadable folder (chmod 000)', expect: 'bad' })
  else notes.push('chmod 000 does not deny reads here (root): unreadable files count as either')
  return { dir, outside, entries, notes }
}

/** Gives the corpus back its permissions so it can be removed. */
export function unlockCorpus(c: Corpus): void {
  for (const e of c.entries) if (e.kind.startsWith('unreadable')) fs.chmodSync(path.join(c.dir, e.rel), 0o755)
  if (fs.existsSync(path.join(c.dir, 'locked-dir'))) fs.chmodSync(path.join(c.dir, 'locked-dir'), 0o755)
}
