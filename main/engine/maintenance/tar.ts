/**
 * A small streaming tar (POSIX ustar, pax headers for long names): what `studio backup` writes and
 * `studio restore` reads. Tar, not zip: fflate writes no ZIP64, so a zip stops being valid past
 * 65,535 entries, and a 100,000-image project has twice that (originals and thumbnails); tar has no
 * entry limit and `tar -xf` opens a backup anywhere. Only regular files are written or accepted.
 */
import { StudioError } from '../errors'

const BLOCK = 512

/** A backup file that is damaged, truncated or not a Studio backup. */
export class DamagedBackupError extends StudioError {}

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0'
}

function header(name: string, size: number, mtime: number, type: '0' | 'x'): Buffer {
  const h = Buffer.alloc(BLOCK)
  h.write(name.slice(0, 100), 0, 'utf8')
  h.write(octal(0o644, 8), 100, 'latin1')
  h.write(octal(0, 8), 108, 'latin1')
  h.write(octal(0, 8), 116, 'latin1')
  if (size < 8 ** 11) h.write(octal(size, 12), 124, 'latin1')
  else {
    // GNU base-256 for files of 8 GiB or more: the high bit set, the size big-endian.
    h[124] = 0x80
    h.writeBigUInt64BE(BigInt(size), 128)
  }
  h.write(octal(Math.floor(mtime / 1000), 12), 136, 'latin1')
  h.write('        ', 148, 'latin1')
  h.write(type, 156, 'latin1')
  h.write('ustar\0' + '00', 257, 'latin1')
  let sum = 0
  for (const b of h) sum += b
  h.write(octal(sum, 7) + ' ', 148, 'latin1')
  return h
}

/** The header block(s) of a file: a pax record first when the name is not plain ASCII of ≤ 100 bytes. */
export function fileHeader(name: string, size: number, mtime = Date.now()): Buffer {
  if (/^[\x20-\x7e]{1,100}$/.test(name)) return header(name, size, mtime, '0')
  const rec = (len: number) => `${len} path=${name}\n`
  let len = Buffer.byteLength(rec(0))
  while (Buffer.byteLength(rec(len)) !== len) len = Buffer.byteLength(rec(len))
  const pax = Buffer.from(rec(len), 'utf8')
  return Buffer.concat([header('PaxHeader', pax.length, mtime, 'x'), pad(pax), header('long-name', size, mtime, '0')])
}

/** Data padded to whole blocks. */
export function pad(data: Buffer): Buffer {
  const rest = data.length % BLOCK
  return rest ? Buffer.concat([data, Buffer.alloc(BLOCK - rest)]) : data
}

export function padding(size: number): Buffer {
  const rest = size % BLOCK
  return Buffer.alloc(rest ? BLOCK - rest : 0)
}

/** Two zero blocks end an archive. */
export const END = Buffer.alloc(2 * BLOCK)

/** Reads exact byte counts from a stream of chunks. */
class Bytes {
  private buf: Buffer = Buffer.alloc(0)
  private done = false
  offset = 0

  constructor(private readonly it: AsyncIterator<Buffer>) {}

  private async fill(n: number): Promise<boolean> {
    while (this.buf.length < n && !this.done) {
      const r = await this.it.next()
      if (r.done) this.done = true
      else this.buf = this.buf.length ? Buffer.concat([this.buf, r.value]) : r.value
    }
    return this.buf.length >= n
  }

  async exactly(n: number, what: string): Promise<Buffer> {
    if (!(await this.fill(n))) throw new DamagedBackupError(`it ends early (inside ${what}, at byte ${this.offset})`)
    const out = this.buf.subarray(0, n)
    this.buf = this.buf.subarray(n)
    this.offset += n
    return out
  }

  /** Up to `n` bytes in the chunks they arrive in. */
  async *take(n: number, what: string): AsyncGenerator<Buffer> {
    while (n > 0) {
      if (!(await this.fill(1))) throw new DamagedBackupError(`it ends early (inside ${what}, at byte ${this.offset})`)
      const k = Math.min(n, this.buf.length)
      const out = this.buf.subarray(0, k)
      this.buf = this.buf.subarray(k)
      this.offset += k
      n -= k
      yield out
    }
  }
}

export interface TarEntry {
  name: string
  size: number
  /** The file's bytes, in chunks; must be read to its end before the next entry. */
  data: AsyncGenerator<Buffer>
}

function parseSize(h: Buffer): number {
  if (h[124]! & 0x80) return Number(h.readBigUInt64BE(128))
  const text = h.toString('latin1', 124, 136).replace(/\0.*$/s, '').trim()
  if (!/^[0-7]+$/.test(text)) throw new DamagedBackupError(`a header has no valid size`)
  return parseInt(text, 8)
}

function checksumOk(h: Buffer): boolean {
  const stored = parseInt(h.toString('latin1', 148, 156).replace(/\0.*$/s, '').trim(), 8)
  let sum = 0
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!
  return stored === sum
}

/** The regular files of a tar stream, in order; throws DamagedBackupError on anything malformed. */
export async function* readTar(chunks: AsyncIterable<Buffer>): AsyncGenerator<TarEntry> {
  const bytes = new Bytes(chunks[Symbol.asyncIterator]())
  let longName: string | null = null
  for (;;) {
    const at = bytes.offset
    const h = await bytes.exactly(BLOCK, 'a header')
    if (h.every((b) => b === 0)) return
    if (!checksumOk(h)) throw new DamagedBackupError(`the header at byte ${at} is damaged (checksum mismatch)`)
    const size = parseSize(h)
    const type = String.fromCharCode(h[156]!)
    if (type === 'x') {
      const pax = (await bytes.exactly(size, 'a pax header')).toString('utf8')
      await bytes.exactly(padding(size).length, 'padding')
      const m = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(pax)
      longName = m ? m[1]! : null
      continue
    }
    if (type !== '0' && type !== '\0') {
      throw new DamagedBackupError(`entry at byte ${at} is not a regular file (type ${JSON.stringify(type)})`)
    }
    const name = longName ?? h.toString('utf8', 0, 100).replace(/\0.*$/s, '')
    longName = null
    const data = bytes.take(size, name)
    yield { name, size, data }
    for await (const _ of data) void _ // the caller may stop early
    await bytes.exactly(padding(size).length, 'padding')
  }
}
