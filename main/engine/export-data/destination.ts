import fs from 'node:fs'
import path from 'node:path'
import { ValidationError } from '../errors'
import { checkDestination } from '../export/destination'
import type { ProjectPaths } from '../store'

export interface DataDestination {
  /** The folder the user named (absolute). A zip export writes `<dir>.zip` and leaves `dir` alone. */
  dir: string
  zip: string | null
  /** What the export creates: `dir`, or the zip. */
  target: string
}

/**
 * Checks where a dataset export may go before any work, with the model export's rules (absolute,
 * new or empty folder, no existing zip, writable parent) and one more: nowhere inside the project,
 * whose folders Studio manages (an export in `runs/` or `tmp/` could be swept or copied along).
 * Refusals name the path and the reason; nothing is created here.
 */
export function checkDataDestination(
  paths: Pick<ProjectPaths, 'root' | 'media' | 'thumbs'>,
  dest: string,
  zip: boolean,
) {
  const checked = checkDestination(paths, dest, zip)
  const real = realTarget(checked.dir)
  const root = realOrSelf(paths.root)
  if (real === root || real.startsWith(root + path.sep)) {
    throw new ValidationError(`${checked.dir} is inside the project folder; choose a folder outside the project`)
  }
  return { dir: checked.dir, zip: checked.zip, target: checked.zip ?? checked.dir } satisfies DataDestination
}

/** `dir` with its deepest existing folder resolved through symlinks, so a link into the project is caught. */
function realTarget(dir: string): string {
  const missing: string[] = []
  let current = dir
  while (!fs.existsSync(current)) {
    missing.unshift(path.basename(current))
    const parent = path.dirname(current)
    if (parent === current) break
    current = parent
  }
  return path.join(realOrSelf(current), ...missing)
}

function realOrSelf(p: string): string {
  try {
    return fs.realpathSync(p)
  } catch {
    return path.resolve(p)
  }
}
