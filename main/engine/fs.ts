/**
 * Writes that never leave a half-written file or folder in place: the data goes to a temporary
 * name on the same file system first and is renamed in. Used by the importer (originals,
 * thumbnails), the pixel and feature caches and the run folders (checkpoints, models).
 */
import { mkdirSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import fs from 'node:fs/promises'
import path from 'node:path'

/** Folders known to exist; saves a mkdir per file when thousands go into the same few folders. */
const madeDirs = new Set<string>()

/** Forget which folders exist, after removing some (the importer sweeping `tmp/`). */
export function forgetMadeDirs(): void {
  madeDirs.clear()
}

async function mkdirOnce(dir: string): Promise<void> {
  if (madeDirs.has(dir)) return
  await fs.mkdir(dir, { recursive: true })
  madeDirs.add(dir)
}

let tmpCounter = 0

/**
 * Writes via a file in `tmpDir` (same file system) and a rename, so a crash never leaves a
 * half-written file in place; leftovers in `tmpDir` are swept by the next import.
 */
export function writeAtomic(file: string, data: Buffer, tmpDir: string): Promise<void> {
  return atomically(file, tmpDir, (tmp) => fs.writeFile(tmp, data))
}

/** Runs `write` on a temporary path in `tmpDir`, then renames the result to `file`. */
export async function atomically(
  file: string,
  tmpDir: string,
  write: (tmp: string) => Promise<unknown>,
): Promise<void> {
  const tmp = path.join(tmpDir, `${process.pid}-${++tmpCounter}-${path.basename(file)}`)
  const attempt = async () => {
    await mkdirOnce(path.dirname(file))
    await mkdirOnce(tmpDir)
    await write(tmp)
    await fs.rename(tmp, file)
  }
  try {
    await attempt()
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    madeDirs.clear() // a folder was removed behind our back (e.g. tmp/ swept): make it again
    await attempt()
  }
}

/**
 * Writes a whole folder of files as one unit: into `<dir>.partial`, then renamed over `dir`.
 * A failure (disk full) leaves the previous folder as it was.
 */
export function writeFolderAtomic(dir: string, files: Record<string, Uint8Array | string>): void {
  const tmp = `${dir}.partial`
  const old = `${dir}.old`
  rmSync(tmp, { recursive: true, force: true })
  try {
    mkdirSync(tmp, { recursive: true })
    for (const [name, data] of Object.entries(files)) writeFileSync(path.join(tmp, name), data)
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true })
    throw err
  }
  rmSync(old, { recursive: true, force: true })
  if (existsSync(dir)) renameSync(dir, old)
  renameSync(tmp, dir)
  rmSync(old, { recursive: true, force: true })
}
