import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ProjectLockedError } from '../../main/engine/errors'
import { acquireLock, isLockHeld, lockHolder, processStart } from '../../main/engine/lock'
import { tmpDir } from '../helpers/fixtures'

const dir = tmpDir()
const file = path.join(dir, 'import.lock')
/** A live process that has nothing to do with any lock: what a reused pid points at. */
let other: ChildProcess

beforeAll(async () => {
  other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000); console.log("up")'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  })
  await new Promise((resolve) => other.stdout!.once('data', resolve))
})
afterAll(() => {
  other.kill()
})

const take = () => acquireLock(dir, 'import.lock', 'An import')

describe('project locks', () => {
  it('name the owner with its start time, refuse a second taker while it runs, and go on release', () => {
    const release = take()
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ pid: process.pid, start: processStart(process.pid) })
    expect(lockHolder(dir, 'import.lock')).toBe(process.pid)
    expect(take).toThrow(ProjectLockedError)
    release()
    expect(isLockHeld(dir, 'import.lock')).toBe(false)
  })

  it('a lock left by a process that died is taken over', async () => {
    const dead = spawn(process.execPath, ['-e', ''])
    await new Promise((r) => dead.once('exit', r))
    fs.writeFileSync(file, JSON.stringify({ pid: dead.pid, start: '1' }))
    take()()
  })

  it.runIf(process.platform !== 'win32')('an unrelated live process that reuses the pid does not block', () => {
    const pid = other.pid!
    // The owner had this pid but started at another time: the pid was reused.
    fs.writeFileSync(file, JSON.stringify({ pid, start: `not-${processStart(pid)}` }))
    expect(isLockHeld(dir, 'import.lock')).toBe(false)
    take()()
    // The same pid and start time is the owner itself: still running, so refused, naming it.
    fs.writeFileSync(file, JSON.stringify({ pid, start: processStart(pid) }))
    expect(take).toThrow(new RegExp(`already running .*process ${pid}`))
    fs.rmSync(file)
  })

  it.runIf(process.platform !== 'win32')(
    'a bare-pid lock (earlier versions) older than the live process with that pid is stale',
    () => {
      const pid = other.pid!
      fs.writeFileSync(file, String(pid))
      expect(take).toThrow(ProjectLockedError) // written after the process started: it may be the owner
      const hourAgo = new Date(Date.now() - 3_600_000)
      fs.utimesSync(file, hourAgo, hourAgo)
      expect(lockHolder(dir, 'import.lock')).toBeNull()
      take()()
    },
  )

  it('a lock file with something else in it does not block', () => {
    fs.writeFileSync(file, 'garbage')
    take()()
  })
})
