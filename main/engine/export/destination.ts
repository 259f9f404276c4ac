import fs from 'node:fs'
import path from 'node:path'
import { ConflictError, ValidationError } from '../errors'
import type { ProjectPaths } from '../store'
import type { Studio } from '../studio'
import { exportRun, type ExportResult } from './bundle'
import type { ExportOptions } from './formats'

/**
 * Where an export may go, decided before any work: the folder (new, or empty) and its zip. Every
 * refusal names the path and the reason. Folders are then created one level at a time, never with
 * a recursive mkdir: on a file system that refuses (`/proc/forbidden`) Node's recursive mkdir
 * retries forever at full CPU.
 */
export interface Destination {
  /** Absolute folder to write. */
  dir: string
  /** `<dir>.zip`, or null without a zip. */
  zip: string | null
}

/**
 * Checks an export destination: absolute, not inside the project's media or thumbnails, a folder
 * that is new or empty, a zip that does not exist yet, and below a folder this process may write in.
 */
export function checkDestination(paths: Pick<ProjectPaths, 'media' | 'thumbs'>, dest: string, zip = true): Destination {
  if (dest.includes('\0')) throw new ValidationError('export folder: a path cannot contain a NUL byte')
  if (!path.isAbsolute(dest))
    throw new ValidationError(`export folder must be an absolute path (got ${JSON.stringify(dest)})`)
  const dir = path.resolve(dest)
  const stat = statOrNull(dir)
  if (stat && !stat.isDirectory())
    throw new ConflictError(`${dir} is a file, not a folder; choose a new folder to export to`)
  if (stat && fs.readdirSync(dir).length) throw new ConflictError(`${dir} exists and is not empty; choose a new folder`)
  const zipFile = zip ? `${dir}.zip` : null
  if (zipFile && fs.existsSync(zipFile))
    throw new ConflictError(`${zipFile} already exists; choose another folder name or move it away`)
  const { existing, missing } = nearestExisting(dir)
  if (!fs.statSync(existing).isDirectory())
    throw new ConflictError(`${existing} is a file, so ${dir} cannot be created`)
  try {
    fs.accessSync(existing, fs.constants.W_OK)
  } catch {
    throw new ValidationError(`cannot write in ${existing}: permission denied`)
  }
  // Compare real paths, so that a symlink into the project cannot smuggle an export into media/.
  const real = path.join(fs.realpathSync(existing), ...missing)
  for (const [name, managed] of [
    ['media', paths.media],
    ['thumbnails', paths.thumbs],
  ] as const) {
    const inside = realOrSelf(managed)
    if (real === inside || real.startsWith(inside + path.sep)) {
      throw new ValidationError(
        `${dir} is inside the project's ${name} folder; choose a folder outside the project's files`,
      )
    }
  }
  return { dir, zip: zipFile }
}

/** Creates `dir` and any missing parents, one level at a time; returns the folders it created, outermost first. */
export function createFolders(dir: string): string[] {
  const { existing, missing } = nearestExisting(dir)
  const created: string[] = []
  let current = existing
  for (const part of missing) {
    current = path.join(current, part)
    try {
      fs.mkdirSync(current)
    } catch (err) {
      removeFolders(created)
      const code = (err as NodeJS.ErrnoException).code ?? 'error'
      throw new ValidationError(`cannot create ${current} (${code}); choose a folder where files can be written`)
    }
    created.push(current)
  }
  return created
}

/** Creates the checked folder and writes the export into it; a failure removes the folders it created. */
export function writeExport(studio: Studio, runId: number, dest: Destination, opts: ExportOptions = {}): ExportResult {
  const created = createFolders(dest.dir)
  try {
    return exportRun(studio, runId, dest.dir, { ...opts, zip: dest.zip !== null })
  } catch (err) {
    removeFolders(created)
    throw err
  }
}

/** Removes what `createFolders` made (after a failed export), with anything written into it. */
export function removeFolders(created: string[]): void {
  const outermost = created[0]
  if (outermost) fs.rmSync(outermost, { recursive: true, force: true })
}

/** The deepest existing folder on the way to `dir`, and the path parts below it that do not exist. */
function nearestExisting(dir: string): { existing: string; missing: string[] } {
  const missing: string[] = []
  let current = dir
  while (!fs.existsSync(current)) {
    missing.unshift(path.basename(current))
    const parent = path.dirname(current)
    if (parent === current) break
    current = parent
  }
  return { existing: current, missing }
}

/** The file's stat, or null where nothing is (including below a file: ENOTDIR). */
function statOrNull(p: string): fs.Stats | null {
  try {
    return fs.statSync(p)
  } catch {
    return null
  }
}

function realOrSelf(p: string): string {
  try {
    return fs.realpathSync(p)
  } catch {
    return path.resolve(p)
  }
}
