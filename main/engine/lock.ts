import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { ProjectLockedError } from './errors'

/** What a lock file holds: the owner's pid and, where the system tells it, when that process started. */
export interface LockOwner {
  pid: number
  /** An opaque start-time token (Linux: /proc/<pid>/stat field 22); null where none can be read. */
  start: string | null
}

/**
 * An exclusive lock file inside the project (e.g. `import.lock`) naming its owner process.
 * A lock whose process died is taken over, so a crash never blocks the next run; so is one whose
 * pid now belongs to another process (the start time differs), since pids are reused.
 */
export function acquireLock(dir: string, name: string, what: string): () => void {
  const file = path.join(dir, name)
  const me = JSON.stringify({ pid: process.pid, start: processStart(process.pid) } satisfies LockOwner)
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, me, { flag: 'wx' })
      return () => fs.rmSync(file, { force: true })
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      const owner = readOwner(file)
      if (owner && isRunning(owner)) {
        throw new ProjectLockedError(`${what} is already running for ${dir} (process ${owner.pid})`)
      }
      fs.rmSync(file, { force: true })
    }
  }
  throw new ProjectLockedError(`cannot take ${file}`)
}

/** The pid of the live process holding the lock file, or null when nobody holds it. */
export function lockHolder(dir: string, name: string): number | null {
  const owner = readOwner(path.join(dir, name))
  return owner && isRunning(owner) ? owner.pid : null
}

/** True while a live process holds the lock file. */
export function isLockHeld(dir: string, name: string): boolean {
  return lockHolder(dir, name) !== null
}

/**
 * Reads a lock file: JSON `{pid, start}`, or a bare pid (written by earlier versions; its start is
 * then unknown, and `writtenAt` lets a process younger than the file be told apart). Null when unreadable.
 */
export function readOwner(file: string): (LockOwner & { writtenAt?: number }) | null {
  let text: string
  let writtenAt: number
  try {
    text = fs.readFileSync(file, 'utf8').trim()
    writtenAt = fs.statSync(file).mtimeMs
  } catch {
    return null
  }
  if (/^\d+$/.test(text)) return { pid: Number(text), start: null, writtenAt }
  try {
    const v = JSON.parse(text) as Partial<LockOwner>
    if (typeof v.pid === 'number' && Number.isInteger(v.pid) && v.pid > 0) {
      return { pid: v.pid, start: typeof v.start === 'string' ? v.start : null }
    }
  } catch {
    // a half-written or foreign file: nobody we can check holds it
  }
  return null
}

/**
 * Whether the owner is still running: its pid is alive and, when both are known, started at the
 * same time. Without a start (an old lock file), a process that started after the file was written
 * cannot have written it.
 */
export function isRunning(owner: LockOwner & { writtenAt?: number }): boolean {
  if (!isAlive(owner.pid)) return false
  if (owner.start === null) {
    const startedAt = owner.writtenAt === undefined ? null : processStartedAt(owner.pid)
    // Seconds of slack: start times are read at a resolution of a second or a clock tick.
    return startedAt === null || startedAt <= owner.writtenAt! + 2000
  }
  const now = processStart(owner.pid)
  return now === null || now === owner.start
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * A token that differs between two processes that had the same pid: on Linux the start time in
 * clock ticks after boot (/proc/<pid>/stat field 22); on macOS and the BSDs `ps -o lstart`;
 * null elsewhere (Windows), where only the pid is checked.
 */
export function processStart(pid: number): string | null {
  if (process.platform === 'linux') {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
      // Field 2 (the command name) is in parentheses and may hold spaces or ')': count from the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      return fields[19] ?? null // fields 3… start at index 0, so field 22 is index 19
    } catch {
      return null
    }
  }
  if (process.platform === 'win32') return null
  try {
    const out = execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8', timeout: 5000 }).trim()
    return out || null
  } catch {
    return null
  }
}

/** When process `pid` started, in ms since the epoch (Linux: boot time + field 22 at 100 ticks/s); null if unknown. */
export function processStartedAt(pid: number): number | null {
  if (process.platform === 'linux') {
    const ticks = processStart(pid)
    const btime = /^btime (\d+)$/m.exec(readText('/proc/stat') ?? '')
    // USER_HZ, the unit of /proc times, is 100 on every architecture Node runs on.
    return ticks !== null && /^\d+$/.test(ticks) && btime ? Number(btime[1]) * 1000 + Number(ticks) * 10 : null
  }
  const lstart = processStart(pid)
  const t = lstart === null ? NaN : Date.parse(lstart)
  return Number.isFinite(t) ? t : null
}

function readText(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8')
  } catch {
    return null
  }
}
