import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

const repo = path.resolve(import.meta.dirname, '../..')
const LOCK = path.join(repo, 'out', '.build.lock')
/** A lock older than this was left by a killed run. */
const STALE_LOCK_MS = 180_000

/**
 * Runs `electron-vite build` (out/main, out/preload, out/renderer) when `stale()` says the build is
 * missing or old. One test process builds at a time: in a fresh clone the E2E files of both workers
 * and the runner test may all find out/ missing at once, and two builds writing (and emptying) the
 * same folders would race; the others wait for the lock, then find the build done.
 */
export function buildAppIf(stale: () => boolean): void {
  if (!stale()) return
  fs.mkdirSync(path.dirname(LOCK), { recursive: true })
  const deadline = Date.now() + 2 * STALE_LOCK_MS
  for (;;) {
    try {
      fs.mkdirSync(LOCK)
      break
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
    const age = lockAge()
    if (age !== null && age > STALE_LOCK_MS) fs.rmSync(LOCK, { recursive: true, force: true })
    else if (Date.now() > deadline) throw new Error(`waited too long for another build (${LOCK})`)
    else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200)
  }
  try {
    if (!stale()) return
    const b = spawnSync(
      process.execPath,
      [path.join(repo, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'],
      {
        cwd: repo,
        encoding: 'utf8',
      },
    )
    if (b.status !== 0) throw new Error(`build failed: ${b.stderr}`)
  } finally {
    fs.rmSync(LOCK, { recursive: true, force: true })
  }
}

function lockAge(): number | null {
  try {
    return Date.now() - fs.statSync(LOCK).mtimeMs
  } catch {
    return null
  }
}
