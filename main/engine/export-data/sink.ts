import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { Zip, ZipDeflate, ZipPassThrough } from 'fflate'
import { ValidationError } from '../errors'
import { partialName } from '../export/partials'
import type { ManifestFile } from './options'

/**
 * Where an export's files go while it runs: a hidden folder or zip next to the destination, renamed
 * to its name only when everything is written, so a cancel or a failure leaves nothing half-made
 * under the name the user chose.
 */
export interface Sink {
  /** Writes one file (`rel` with `/`); `compress`: worth deflating (text, not JPEG). */
  add(rel: string, data: Uint8Array, compress: boolean): Promise<ManifestFile>
  /** Makes the export appear under its name. */
  commit(): Promise<void>
  /** Removes what was written. */
  abort(): Promise<void>
}

function entry(rel: string, data: Uint8Array): ManifestFile {
  return { path: rel, sha256: createHash('sha256').update(data).digest('hex'), bytes: data.byteLength }
}

/** A temporary name beside `target` (export/partials.ts: the name says which process writes it). */
export { partialName }

export class FolderSink implements Sink {
  private readonly made = new Set<string>([''])

  private constructor(
    private readonly tmp: string,
    private readonly target: string,
  ) {}

  static open(target: string): FolderSink {
    const tmp = partialName(target)
    fs.mkdirSync(tmp)
    return new FolderSink(tmp, target)
  }

  async add(rel: string, data: Uint8Array): Promise<ManifestFile> {
    const parts = rel.split('/')
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/')
      if (this.made.has(dir)) continue
      await fs.promises.mkdir(path.join(this.tmp, ...parts.slice(0, i)))
      this.made.add(dir)
    }
    // 'wx': two entries with one name would be a bug in the naming; never let one overwrite the other.
    await fs.promises.writeFile(path.join(this.tmp, ...parts), data, { flag: 'wx' })
    return entry(rel, data)
  }

  async commit(): Promise<void> {
    // The destination was checked to be new or empty; an empty folder is replaced by the finished one.
    if (fs.existsSync(this.target)) fs.rmdirSync(this.target)
    fs.renameSync(this.tmp, this.target)
  }

  async abort(): Promise<void> {
    await fs.promises.rm(this.tmp, { recursive: true, force: true })
  }
}

/** fflate writes no ZIP64: past 65,535 entries or 4 GiB of offsets the archive would be corrupt. */
export const ZIP_MAX_ENTRIES = 65_535
const ZIP_MAX_BYTES = 0xffff_ffff - 64 * 1024 * 1024

/** A zip written to disk as files arrive (fflate's streaming Zip): one image in memory at a time. */
export class ZipSink implements Sink {
  private readonly zip: Zip
  private readonly out: fs.WriteStream
  private failure: Error | null = null
  private written = 0
  private readonly finished: Promise<void>

  private constructor(
    private readonly tmp: string,
    private readonly target: string,
  ) {
    this.out = fs.createWriteStream(tmp, { flags: 'wx' })
    this.finished = new Promise((resolve, reject) => {
      this.out.on('close', resolve)
      this.out.on('error', (err) => {
        this.failure = err
        reject(err)
      })
    })
    this.finished.catch(() => {})
    this.zip = new Zip((err, chunk, final) => {
      if (err) this.failure = err
      else {
        this.written += chunk.byteLength
        this.out.write(chunk)
      }
      if (final || err) this.out.end()
    })
  }

  static open(target: string): ZipSink {
    return new ZipSink(partialName(target), target)
  }

  async add(rel: string, data: Uint8Array, compress: boolean): Promise<ManifestFile> {
    if (this.failure) throw this.failure
    if (this.written + data.byteLength > ZIP_MAX_BYTES) {
      throw new ValidationError(
        'the zip would pass 4 GiB, more than a zip without ZIP64 holds; export a folder instead',
      )
    }
    const file = compress ? new ZipDeflate(rel, { level: 6 }) : new ZipPassThrough(rel)
    this.zip.add(file)
    file.push(data, true)
    // Let the disk catch up before the next file, so that the zip never queues up in memory.
    if (this.out.writableNeedDrain) {
      await new Promise<void>((resolve, reject) => {
        this.out.once('drain', resolve)
        this.finished.then(resolve, reject)
      })
    }
    return entry(rel, data)
  }

  async commit(): Promise<void> {
    this.zip.end()
    await this.finished
    if (this.failure) throw this.failure
    fs.renameSync(this.tmp, this.target)
  }

  async abort(): Promise<void> {
    this.zip.terminate()
    if (!this.out.closed) {
      this.out.end()
      await this.finished.catch(() => {})
    }
    await fs.promises.rm(this.tmp, { force: true })
  }
}
