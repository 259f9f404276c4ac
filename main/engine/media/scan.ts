import type { Dirent } from 'node:fs'
import fs from 'node:fs/promises'
import path from 'node:path'
import { errorMessage, ImportSourceError } from '../errors'
import type { ImportKind } from '../store'
import { isImageFile } from './formats'

/** One file the import will try. `rel` is unique within a source and keys resume. */
export interface ScanItem {
  abs: string
  rel: string
  label: string | null
  origin: string | null
  /** Attributes a CSV row gave in extra columns (lower-case name → value). */
  attributes?: Record<string, string>
}

/** Something the scan could not use; recorded as an import error naming `rel`. */
export interface ScanProblem {
  rel: string
  reason: string
}

export interface ScanResult {
  kind: ImportKind
  items: ScanItem[]
  problems: ScanProblem[]
  /** Files seen that are not images by extension (README, checksums, …). */
  ignored: number
  /** Those files with why each was skipped, so the health report can list them instead of a bare count. */
  skipped: ScanProblem[]
}

/**
 * How a folder's layout maps to labels.
 * - `auto`: images in subfolders are labeled with their folder's name; folders above it become the origin tag
 *   (`train/ants/x.jpg` → class `ants`, origin `train`); images at the top are unlabeled.
 * - `flat`: every image unlabeled, folder names ignored.
 */
export type FolderLayout = 'auto' | 'flat'

export async function scanFolder(root: string, layout: FolderLayout = 'auto'): Promise<ScanResult> {
  const rootReal = await fs.realpath(root)
  const items: ScanItem[] = []
  const problems: ScanProblem[] = []
  const skipped: ScanProblem[] = []
  const visited = new Set<string>([rootReal])

  // Depth-first with sorted entries, so files import in a predictable order.
  const walk = async (dir: string, rel: string, ancestors: ReadonlySet<string>): Promise<void> => {
    let entries: Dirent[]
    try {
      entries = await fs.readdir(dir, { withFileTypes: true })
    } catch (err) {
      problems.push({ rel: rel || '.', reason: `cannot read folder: ${fsReason(err)}` })
      return
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    for (const e of entries) {
      if (e.name.startsWith('.')) continue
      const abs = path.join(dir, e.name)
      const childRel = rel ? `${rel}/${e.name}` : e.name
      let isDir = e.isDirectory()
      let isFile = e.isFile()
      let special = specialKind(e)
      if (e.isSymbolicLink()) {
        try {
          const st = await fs.stat(abs)
          isDir = st.isDirectory()
          isFile = st.isFile()
          special = specialKind(st)
        } catch (err) {
          if (isImageFile(e.name) || (err as NodeJS.ErrnoException).code === 'ELOOP') {
            problems.push({ rel: childRel, reason: linkReason(err) })
          } else skipped.push({ rel: childRel, reason: `${linkReason(err)} (not named like an image)` })
          continue
        }
      }
      if (isDir) {
        const real = await fs.realpath(abs).catch(() => abs)
        if (ancestors.has(real)) {
          problems.push({ rel: childRel, reason: 'symlink loop: this folder links back to one of its parents' })
          continue
        }
        if (visited.has(real)) continue // a second link to a folder already scanned
        visited.add(real)
        await walk(abs, childRel, new Set([...ancestors, real]))
      } else if (isFile && isImageFile(e.name)) {
        items.push({ abs, rel: childRel, ...labelFromPath(childRel, layout) })
      } else if (special && isImageFile(e.name)) {
        // Named like an image, so the user expects it imported: say why it is not (reading a FIFO would hang).
        problems.push({ rel: childRel, reason: `not a regular file but ${special}; only regular files are imported` })
      } else {
        skipped.push({ rel: childRel, reason: skipReason(e.name, special) })
      }
    }
  }
  await walk(root, '', new Set([rootReal]))
  const kind: ImportKind = layout === 'flat' || items.every((i) => i.label === null) ? 'flat' : 'folders'
  return { kind, items, problems, ignored: skipped.length, skipped }
}

function skipReason(name: string, special: string | null): string {
  if (special) return `${special}, not an image file`
  const ext = path.extname(name)
  return ext ? `not an image file (${ext.toLowerCase()} is not an image extension)` : 'not an image file (no extension)'
}

/** What a directory entry that is neither a file, a folder nor a link is, in words; null for those. */
export function specialKind(
  e: Pick<Dirent, 'isFIFO' | 'isSocket' | 'isBlockDevice' | 'isCharacterDevice'>,
): string | null {
  if (e.isFIFO()) return 'a named pipe (FIFO)'
  if (e.isSocket()) return 'a socket'
  if (e.isBlockDevice() || e.isCharacterDevice()) return 'a device'
  return null
}

function labelFromPath(rel: string, layout: FolderLayout): { label: string | null; origin: string | null } {
  const dirs = rel.split('/').slice(0, -1)
  if (layout === 'flat' || dirs.length === 0) return { label: null, origin: null }
  return { label: dirs[dirs.length - 1]!, origin: dirs.length > 1 ? dirs.slice(0, -1).join('/') : null }
}

function linkReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code
  if (code === 'ELOOP') return 'symlink loop: the link points back to itself'
  if (code === 'ENOENT') return 'broken symlink: its target does not exist'
  return `cannot follow symlink: ${fsReason(err)}`
}

/** A short, human reason for a file-system error. */
export function fsReason(err: unknown): string {
  switch ((err as NodeJS.ErrnoException).code) {
    case 'ENOENT':
      return 'file not found'
    case 'EACCES':
    case 'EPERM':
      return 'permission denied'
    case 'ELOOP':
      return 'symlink loop'
    case 'EISDIR':
      return 'is a folder, not a file'
    default:
      return errorMessage(err)
  }
}

/** Checks that an import source exists before anything is written. */
export async function sourceKind(source: string): Promise<'folder' | 'csv'> {
  let st
  try {
    st = await fs.stat(source)
  } catch (err) {
    throw new ImportSourceError(
      `Import source ${source} ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : 'cannot be read: ' + fsReason(err)}`,
    )
  }
  if (st.isDirectory()) return 'folder'
  if (st.isFile() && path.extname(source).toLowerCase() === '.csv') return 'csv'
  throw new ImportSourceError(`Import source ${source} is neither a folder nor a .csv file`)
}
