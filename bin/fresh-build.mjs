// Whether the command's build (out/cli, scripts/build-cli.mjs) may run instead of the sources.
import fs from 'node:fs'
import path from 'node:path'

/** What scripts/build-cli.mjs records beside the build: every source file it read, with its mtime. */
export const INPUTS_FILE = 'inputs.json'

/**
 * The build's entry for the command (`<dir>/studio.js`) if the build is complete and every source
 * file it was made from is unchanged (same modification time); null otherwise — then the command
 * runs from source. A file added to the sources matters only once a recorded file imports it, which
 * changes that file. Checking ≈ 250 files takes a few milliseconds.
 */
export function freshBuild(root, dir = path.join(root, 'out', 'cli')) {
  let recorded
  try {
    recorded = JSON.parse(fs.readFileSync(path.join(dir, INPUTS_FILE), 'utf8'))
  } catch {
    return null
  }
  const entry = path.join(dir, 'studio.js')
  if (!Array.isArray(recorded?.inputs) || !recorded.inputs.length || !fs.existsSync(entry)) return null
  for (const [file, mtimeMs] of recorded.inputs) {
    try {
      if (fs.statSync(path.join(root, file)).mtimeMs !== mtimeMs) return null
    } catch {
      return null
    }
  }
  return entry
}

/** The command's build entry to run instead of the sources: freshBuild's, unless STUDIO_CLI=source. */
export function runnableBuild(root) {
  return process.env.STUDIO_CLI === 'source' ? null : freshBuild(root)
}
