import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { BackupDto } from '../../../preload/contract'
import { ConflictError, errorMessage, NotAProjectError, ValidationError } from '../errors'
import { mediaFile, thumbFile } from '../media/formats'
import { runDir } from '../runs/layout'
import { projectPaths } from '../store'
import { snapshotDatabase } from '../store/snapshot'
import { STUDIO_VERSION } from '../version'
import { END, fileHeader, padding } from './tar'

/** The last entry of every backup: what is in it, so a restore can tell a whole backup from a damaged one. */
export const MANIFEST = 'backup.json'
export const BACKUP_FORMAT = 'studio-backup'

export interface BackupManifest {
  format: typeof BACKUP_FORMAT
  version: 1
  createdAt: string
  studio: string
  /** Schema version (PRAGMA user_version) of the database in the backup. */
  schema: number
  images: number
  runs: number
  /** Every other entry: path → size and SHA-256. */
  files: Record<string, { size: number; sha256: string }>
}

export type BackupSummary = BackupDto

export interface BackupOptions {
  nativeBinding?: string
  /** Replace an existing file at the path, if it is an earlier Studio backup (or empty); refused otherwise. */
  overwrite?: boolean
  /** Stops between files; the partial file is removed and nothing is left under the chosen name. */
  signal?: AbortSignal
  onProgress?: (p: { done: number; total: number; current: string }) => void
}

/** A backup whose destination has been checked and whose partial file exists (written by `writeBackup`). */
export interface PreparedBackup {
  root: string
  target: string
  partial: string
  replaces: boolean
}

/** The file a backup of `root` goes to by default: `<project>-backup-<YYYY-MM-DD>.tar` beside the project. */
export function defaultBackupFile(root: string, now = new Date()): string {
  const dir = path.resolve(root)
  const day = now.toISOString().slice(0, 10)
  return path.join(path.dirname(dir), `${path.basename(dir)}-backup-${day}.tar`)
}

/**
 * Writes a consistent snapshot of a project as one tar file: the database copied by SQLite's online
 * backup API from a read-only connection (no project lock is taken, so it runs while the app or a
 * server has the project open and writing), then the originals and thumbnails of the images in that
 * copy and the folders of its runs, then a manifest of every file's size and SHA-256. Originals are
 * content-addressed and never change, so files added after the copy are simply not in it. Streams:
 * one file in memory at a time. Written to a hidden partial name and renamed when complete.
 */
export async function backupProject(dir: string, file: string, opts: BackupOptions = {}): Promise<BackupSummary> {
  return writeBackup(prepareBackup(dir, file, opts), opts)
}

/**
 * Checks where a backup may go and creates its hidden partial file beside it, so every refusal
 * (not a project, a relative path, an existing file, a missing or unwritable folder, a path inside
 * the project) comes before any work, named. An existing file is replaced only with `overwrite`, and
 * only when it is an earlier Studio backup or empty: a mistyped path cannot destroy a document.
 */
export function prepareBackup(dir: string, file: string, opts: Pick<BackupOptions, 'overwrite'> = {}): PreparedBackup {
  const paths = projectPaths(dir)
  if (!fs.existsSync(paths.db)) throw new NotAProjectError(`${paths.root} is not a Studio project (no studio.db)`)
  if (file.includes('\0')) throw new ValidationError('backup file: a path cannot contain a NUL byte')
  if (!path.isAbsolute(file))
    throw new ValidationError(`the backup file must be an absolute path (got ${JSON.stringify(file)})`)
  const target = path.resolve(file)
  const existing = statOrNull(target)
  if (existing) {
    if (existing.isDirectory()) throw new ConflictError(`${target} is a folder; give a file name for the backup`)
    if (!opts.overwrite) throw new ConflictError(`${target} already exists; choose a new file for the backup`)
    if (!existing.isFile() || !isBackupFile(target, existing.size)) {
      throw new ConflictError(`${target} exists and is not a Studio backup; it was not replaced, choose another file`)
    }
  }
  const parent = path.dirname(target)
  if (!statOrNull(parent)?.isDirectory()) {
    throw new ValidationError(`the folder for the backup, ${parent}, does not exist`)
  }
  if (isInside(target, paths.root)) {
    throw new ValidationError(`${target} is inside the project; write the backup somewhere else`)
  }
  const partial = path.join(parent, `.${path.basename(target)}.partial-${process.pid}`)
  try {
    fs.closeSync(fs.openSync(partial, 'w'))
  } catch (err) {
    throw new ValidationError(writeProblem(err, parent, 0))
  }
  return { root: paths.root, target, partial, replaces: existing !== null }
}

/** Writes a prepared backup (see backupProject); the partial is removed on failure or cancel. */
export async function writeBackup(prep: PreparedBackup, opts: BackupOptions = {}): Promise<BackupSummary> {
  const started = Date.now()
  const paths = projectPaths(prep.root)
  const { target, partial } = prep
  const parent = path.dirname(target)
  const snapshot = path.join(parent, `.${path.basename(target)}.db-${process.pid}`)
  let writer: TarWriter | null = null
  try {
    const { images, runs, schema } = await snapshotDatabase(paths.db, snapshot, opts.nativeBinding)
    const out = fs.createWriteStream(partial, { flags: 'w' })
    writer = new TarWriter(out)
    const manifest: BackupManifest = {
      format: BACKUP_FORMAT,
      version: 1,
      createdAt: new Date().toISOString(),
      studio: STUDIO_VERSION,
      schema,
      images: images.length,
      runs: runs.length,
      files: {},
    }
    const missing: string[] = []
    const w = writer
    const add = async (rel: string, abs: string) => {
      const r = await w.addFile(rel, abs)
      if (r) manifest.files[rel] = r
      else missing.push(rel)
    }
    const stop = () => {
      if (opts.signal?.aborted) throw new ConflictError('the backup was cancelled; nothing was written')
    }
    await add('studio.db', snapshot)
    const total = images.length + runs.length
    let done = 0
    for (const img of images) {
      stop()
      const media = mediaFile(paths.media, img.hash, img.ext)
      await add(path.relative(paths.root, media).split(path.sep).join('/'), media)
      const thumb = thumbFile(paths.thumbs, img.hash)
      // A missing thumbnail is made again from its original (studio check); the backup does not need it.
      if (fs.existsSync(thumb)) await add(path.relative(paths.root, thumb).split(path.sep).join('/'), thumb)
      opts.onProgress?.({ done: ++done, total, current: img.hash })
    }
    for (const id of runs) {
      stop()
      const runRoot = runDir(paths.root, id)
      for (const f of listFiles(runRoot)) await add(path.relative(paths.root, f).split(path.sep).join('/'), f)
      opts.onProgress?.({ done: ++done, total, current: `run ${id}` })
    }
    await writer.addBuffer(MANIFEST, Buffer.from(JSON.stringify(manifest, null, 1)))
    const bytes = await writer.end()
    stop()
    fs.renameSync(partial, target)
    return {
      file: target,
      bytes,
      images: images.length,
      runs: runs.length,
      files: Object.keys(manifest.files).length,
      missing,
      replaced: prep.replaces,
      seconds: (Date.now() - started) / 1000,
    }
  } catch (err) {
    writer?.destroy()
    fs.rmSync(partial, { force: true })
    const code = (err as NodeJS.ErrnoException).code ?? ''
    if (WRITE_CODES.has(code)) throw new ValidationError(writeProblem(err, parent, writer?.written ?? 0))
    throw err
  } finally {
    for (const f of [snapshot, snapshot + '-wal', snapshot + '-shm', snapshot + '-journal'])
      fs.rmSync(f, { force: true })
  }
}

/** Error codes of a write that failed because of the folder or its disk (Node's, and SQLite's for the copy). */
const FULL = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL'])
const DENIED = new Set(['EACCES', 'EPERM', 'EROFS', 'SQLITE_READONLY'])
const WRITE_CODES = new Set([...FULL, ...DENIED])

/** A failed write in the backup's folder, in words: disk full, unwritable, or the system's message. */
export function writeProblem(err: unknown, folder: string, written: number): string {
  const code = (err as NodeJS.ErrnoException).code ?? ''
  const so = written ? ` after ${(written / 1e6).toFixed(1)} MB` : ''
  if (FULL.has(code))
    return `the disk holding ${folder} is full${so}; free some space or choose another folder (the partial backup was removed)`
  if (DENIED.has(code))
    return `cannot write in ${folder} (${code === 'EROFS' ? 'read-only file system' : 'permission denied'}); choose another folder`
  return `cannot write the backup in ${folder}: ${errorMessage(err)}`
}

/** An earlier backup (or an empty file) may be replaced: a tar whose first entry is studio.db, as backups start. */
function isBackupFile(file: string, size: number): boolean {
  if (size === 0) return true
  if (size < 1024) return false
  const head = Buffer.alloc(512)
  const fd = fs.openSync(file, 'r')
  try {
    fs.readSync(fd, head, 0, 512, 0)
  } finally {
    fs.closeSync(fd)
  }
  return head.subarray(0, 10).equals(Buffer.from('studio.db\0')) && head.subarray(257, 262).toString() === 'ustar'
}

function statOrNull(p: string): fs.Stats | null {
  try {
    return fs.statSync(p)
  } catch {
    return null
  }
}

/** Regular files under a run folder; leftovers of atomic writes (`*.partial`, `*.old`) are not part of a run. */
function listFiles(root: string): string[] {
  const out: string[] = []
  const walk = (d: string) => {
    let entries: fs.Dirent[]
    try {
      entries = fs.readdirSync(d, { withFileTypes: true })
    } catch {
      return
    }
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (/\.(partial|old)$/.test(e.name) || e.name.includes('.partial-')) continue
      const p = path.join(d, e.name)
      if (e.isDirectory()) walk(p)
      else if (e.isFile()) out.push(p)
    }
  }
  walk(root)
  return out
}

function isInside(p: string, dir: string): boolean {
  const rel = path.relative(dir, p)
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))
}

/** Writes tar entries to a stream, waiting when it is full. */
class TarWriter {
  private bytes = 0
  /** Bytes handed to the stream so far. */
  get written(): number {
    return this.bytes
  }
  /** One read buffer for every file (each piece written is copied out of it). */
  private readonly chunk = Buffer.allocUnsafe(1 << 20)

  /** Rejects when the stream fails (disk full): a write waiting for room must not wait forever. */
  private readonly failed: Promise<never>

  constructor(private readonly out: fs.WriteStream) {
    this.failed = new Promise<never>((_, reject) => out.once('error', reject))
    this.failed.catch(() => {})
  }

  private async write(b: Buffer): Promise<void> {
    this.bytes += b.length
    if (!this.out.write(b)) {
      await Promise.race([new Promise<void>((resolve) => this.out.once('drain', resolve)), this.failed])
    }
  }

  /** Streams a file in; null when it cannot be read (nothing written then). */
  async addFile(rel: string, abs: string): Promise<{ size: number; sha256: string } | null> {
    let fh: fs.promises.FileHandle
    try {
      fh = await fs.promises.open(abs, 'r')
    } catch {
      return null
    }
    try {
      const st = await fh.stat()
      if (!st.isFile()) return null
      const size = st.size
      const hash = createHash('sha256')
      await this.write(fileHeader(rel, size, st.mtimeMs))
      const chunk = this.chunk
      let left = size
      while (left > 0) {
        const { bytesRead } = await fh.read(chunk, 0, Math.min(chunk.length, left), size - left)
        if (bytesRead === 0) throw new Error(`${abs} shrank while it was being backed up`)
        const part = Buffer.from(chunk.subarray(0, bytesRead))
        hash.update(part)
        await this.write(part)
        left -= bytesRead
      }
      await this.write(padding(size))
      return { size, sha256: hash.digest('hex') }
    } finally {
      await fh.close()
    }
  }

  async addBuffer(rel: string, data: Buffer): Promise<void> {
    await this.write(fileHeader(rel, data.length))
    await this.write(data)
    await this.write(padding(data.length))
  }

  /** Closes the file after a failure (the caller removes it). */
  destroy(): void {
    this.out.destroy()
  }

  /** Ends the archive and waits for it to be on disk; resolves to its size. */
  async end(): Promise<number> {
    await this.write(END)
    await Promise.race([new Promise<void>((resolve) => this.out.end(() => resolve())), this.failed])
    const fd = fs.openSync(this.out.path as string, 'r')
    try {
      fs.fsyncSync(fd)
    } finally {
      fs.closeSync(fd)
    }
    return this.bytes
  }
}
