import fs from 'node:fs'
import path from 'node:path'
import { ProjectLockedError } from './errors'

/**
 * An exclusive lock file inside the project (e.g. `import.lock`) holding the owner's pid.
 * A lock left by a process that died is taken over, so a crash never blocks the next run.
 */
export function acquireLock(dir: string, name: string, what: string): () => void {
  const file = path.join(dir, name)
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' })
      return () => fs.rmSync(file, { force: true })
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      const pid = Number(fs.readFileSync(file, 'utf8'))
      if (pid && isAlive(pid)) {
        throw new ProjectLockedError(`${what} is already running for ${dir} (process ${pid})`)
      }
      fs.rmSync(file, { force: true })
    }
  }
  throw new ProjectLockedError(`cannot take ${file}`)
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** True while a live process holds the lock file. */
export function isLockHeld(dir: string, name: string): boolean {
  const file = path.join(dir, name)
  if (!fs.existsSync(file)) return false
  const pid = Number(fs.readFileSync(file, 'utf8'))
  return Boolean(pid) && isAlive(pid)
}
