import fs from 'node:fs'
import path from 'node:path'

/**
 * The folder that holds Studio's package.json: the repository from source (two folders above
 * main/engine/), the app folder in a build (out/main/, out/cli/, bundled), so the search walks up
 * instead of assuming a depth.
 */
export const STUDIO_ROOT: string = findRoot(import.meta.dirname)

/** Studio's version, from its package.json. */
export const STUDIO_VERSION: string = versionIn(path.join(STUDIO_ROOT, 'package.json'))!

function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (versionIn(path.join(dir, 'package.json'))) return dir
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
