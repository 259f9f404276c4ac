import fs from 'node:fs'
import path from 'node:path'

const found = findRoot(import.meta.dirname)

/**
 * The folder that holds Studio's package.json: the repository from source (two folders above
 * main/engine/), the app folder in a build (out/main/, out/cli/, bundled), so the search walks up
 * instead of assuming a depth.
 */
export const STUDIO_ROOT: string = found.dir

/** Studio's version, from its package.json. */
export const STUDIO_VERSION: string = found.version

function findRoot(from: string): { dir: string; version: string } {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const version = versionIn(path.join(dir, 'package.json'))
    if (version) return { dir, version }
    if (path.dirname(dir) === dir) throw new Error(`Studio's package.json was not found above ${from}`)
  }
}

function versionIn(file: string): string | null {
  try {
    const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown }
    return pkg.name === 'studio' && typeof pkg.version === 'string' ? pkg.version : null
  } catch {
    return null
  }
}
