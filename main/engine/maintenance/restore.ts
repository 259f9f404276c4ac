import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { ConflictError, NotFoundError, ValidationError, errorMessage } from '../errors'
import { openProject } from '../store'
import { integrityOf } from '../store/snapshot'
import { BACKUP_FORMAT, MANIFEST, type BackupManifest } from './backup'
import { DamagedBackupError, readTar } from './tar'

export interface RestoreSummary {
  project: string
  images: number
  runs: number
  files: number
  seconds: number
}

/** Where a backup's entries may go: the database and the project's media, thumbnail and run folders. */
const ALLOWED = /^(studio\.db|backup\.json|(media|thumbs)\/[0-9a-f]{2}\/[0-9a-f]{64}\.[a-z]+|runs\/\d+\/[^\0]+)$/

/**
 * Restores a backup into a new or empty folder (never over anything: a non-empty folder is refused,
 * named). The files go into a hidden sibling first; every file is checked against the manifest
 * (size and SHA-256, nothing missing, nothing extra) and the database against PRAGMA integrity_check,
 * and only then is the folder renamed into place, so a damaged backup leaves nothing behind.
 */
export async function restoreProject(
  file: string,
  dir: string,
  opts: { nativeBinding?: string } = {},
): Promise<RestoreSummary> {
  const started = Date.now()
  const source = path.resolve(file)
  const target = path.resolve(dir)
  if (!fs.existsSync(source)) throw new NotFoundError(`backup file ${source} does not exist`)
  if (fs.existsSync(target)) {
    if (!fs.statSync(target).isDirectory()) throw new ConflictError(`${target} exists and is not a folder`)
    if (fs.readdirSync(target).length > 0) {
      throw new ConflictError(`${target} is not empty; restore into a new or empty folder (nothing was changed)`)
    }
  }
  const parent = path.dirname(target)
  // Not created: a recursive mkdir can spin on a file system that refuses (see ARCHITECTURE, export).
  if (!fs.existsSync(parent) || !fs.statSync(parent).isDirectory()) {
    throw new ValidationError(`the folder above ${target}, ${parent}, does not exist`)
  }
  const partial = path.join(parent, `.${path.basename(target)}.restore-partial-${process.pid}`)
  fs.rmSync(partial, { recursive: true, force: true })
  fs.mkdirSync(partial)
  try {
    const got = new Map<string, { size: number; sha256: string }>()
    let manifest: BackupManifest | null = null
    try {
      for await (const entry of readTar(fs.createReadStream(source))) {
        if (manifest) throw new DamagedBackupError(`${entry.name} comes after the manifest`)
        if (entry.name.split('/').includes('..') || !ALLOWED.test(entry.name)) {
          throw new DamagedBackupError(`it holds ${JSON.stringify(entry.name)}, which no Studio backup holds`)
        }
        if (got.has(entry.name)) throw new DamagedBackupError(`it holds ${entry.name} twice`)
        if (entry.name === MANIFEST) {
          const chunks: Buffer[] = []
          for await (const c of entry.data) chunks.push(c)
          manifest = parseManifest(Buffer.concat(chunks))
          continue
        }
        got.set(entry.name, await writeEntry(partial, entry.name, entry.data))
      }
    } catch (err) {
      if (err instanceof DamagedBackupError) throw damaged(source, err.message)
      if ((err as NodeJS.ErrnoException).code === 'Z_DATA_ERROR') throw damaged(source, errorMessage(err))
      throw err
    }
    if (!manifest) throw damaged(source, 'it has no manifest (backup.json): it is truncated or not a Studio backup')
    for (const [name, want] of Object.entries(manifest.files)) {
      const have = got.get(name)
      if (!have) throw damaged(source, `${name} is missing`)
      if (have.size !== want.size || have.sha256 !== want.sha256)
        throw damaged(source, `${name} is damaged (its SHA-256 differs)`)
    }
    for (const name of got.keys()) {
      if (!(name in manifest.files)) throw damaged(source, `${name} is not in its manifest`)
    }
    const db = path.join(partial, 'studio.db')
    const integrity = integrityOf(db, opts.nativeBinding)
    if (integrity.join() !== 'ok') throw damaged(source, `its database fails PRAGMA integrity_check: ${integrity[0]}`)
    // Opening it as a project brings an older backup to this Studio's schema and makes the folders.
    openProject(partial, { nativeBinding: opts.nativeBinding }).close()
    if (fs.existsSync(target)) fs.rmdirSync(target)
    fs.renameSync(partial, target)
    return {
      project: target,
      images: manifest.images,
      runs: manifest.runs,
      files: got.size,
      seconds: (Date.now() - started) / 1000,
    }
  } catch (err) {
    fs.rmSync(partial, { recursive: true, force: true })
    throw err
  }
}

function damaged(file: string, why: string): DamagedBackupError {
  return new DamagedBackupError(`${file} is not a usable Studio backup: ${why}. Nothing was restored.`)
}

function parseManifest(data: Buffer): BackupManifest {
  let m: unknown
  try {
    m = JSON.parse(data.toString('utf8'))
  } catch {
    throw new DamagedBackupError('its manifest (backup.json) is not JSON')
  }
  const man = m as Partial<BackupManifest>
  if (man.format !== BACKUP_FORMAT || man.version !== 1 || typeof man.files !== 'object' || man.files === null) {
    throw new DamagedBackupError('its manifest (backup.json) is not a Studio backup manifest of a version this reads')
  }
  return man as BackupManifest
}

async function writeEntry(
  root: string,
  name: string,
  data: AsyncGenerator<Buffer>,
): Promise<{ size: number; sha256: string }> {
  const dest = path.join(root, ...name.split('/'))
  fs.mkdirSync(path.dirname(dest), { recursive: true })
  const hash = createHash('sha256')
  let size = 0
  const fh = await fs.promises.open(dest, 'wx')
  try {
    for await (const chunk of data) {
      hash.update(chunk)
      size += chunk.length
      await fh.write(chunk)
    }
  } finally {
    await fh.close()
  }
  return { size, sha256: hash.digest('hex') }
}
