import fs from 'node:fs'
import path from 'node:path'

/**
 * Studio's version, from its package.json: the folder above this module that holds it is the
 * repository from source (main/engine/) and the app folder in a build (out/main/, bundled), so the
 * search walks up instead of assuming a depth.
 */
export const STUDIO_VERSION: string = findVersion(import.meta.dirname)

function findVersion(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const version = versionIn(path.join(dir, 'package.json'))
    if (version) return version
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
