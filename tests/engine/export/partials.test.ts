import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { partialName, partialOwner, removeStalePartials } from '../../../main/engine/export/partials'
import { processStartedAt } from '../../../main/engine/lock'
import { tmpDir } from '../../helpers/fixtures'

// The hidden `.<name>.partial-…` folders and zips of an export that crashed: the next export to the
// same folder removes them, never a live export's.

/** A pid that no longer runs: a child that has exited and been reaped. */
const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid!
const host = () => partialOwner(path.basename(partialName('/x/y')))!.host!

function plant(parent: string, name: string, asFile = false): string {
  const p = path.join(parent, name)
  if (asFile) fs.writeFileSync(p, 'PK half a zip')
  else {
    fs.mkdirSync(path.join(p, 'tfjs-uint8'), { recursive: true })
    fs.writeFileSync(path.join(p, 'tfjs-uint8', 'weights.bin'), Buffer.alloc(64))
  }
  return name
}

describe('stale export partials', () => {
  it('names a partial after this machine, this process and the time, and reads that back', () => {
    const before = Date.now()
    const name = partialName('/exports/model')
    expect(path.dirname(name)).toBe('/exports')
    const owner = partialOwner(path.basename(name))!
    expect(owner.pid).toBe(process.pid)
    expect(owner.host).toMatch(/^[0-9a-f]{6}$/)
    expect(owner.writtenAt).toBeGreaterThanOrEqual(before)
    expect(owner.writtenAt).toBeLessThanOrEqual(Date.now())
    expect(partialOwner('.model.partial-123-456')).toEqual({ host: null, pid: 123, writtenAt: 456 })
    for (const other of ['model.partial-1-2', '.model', '.model.partial-x-1', '.partial-1-2', '.m.partial-1-2.zip'])
      expect(partialOwner(other), other).toBeNull()
  })

  it("removes a dead process's folder and zip, keeps a live export's, another machine's and everything else", async () => {
    const parent = tmpDir()
    const dead = deadPid()
    const stale = [
      plant(parent, `.model.partial-${host()}-${dead}-${Date.now()}`),
      plant(parent, `.model.zip.partial-${host()}-${dead}-${Date.now()}`, true),
      // Written before the machine tag existed.
      plant(parent, `.data.partial-${dead}-${Date.now()}`),
    ]
    const live = path.basename(partialName(path.join(parent, 'other')))
    plant(parent, live)
    const elsewhere = plant(parent, `.model.partial-${host() === 'abcdef' ? '123456' : 'abcdef'}-${dead}-1`)
    const unrelated = ['.git', 'model', 'model.partial-1-2'].map((n) => plant(parent, n))
    expect((await removeStalePartials(parent)).sort()).toEqual([...stale].sort())
    expect(fs.readdirSync(parent).sort()).toEqual([live, elsewhere, ...unrelated].sort())
  })

  it.runIf(processStartedAt(process.pid) !== null)(
    'removes a partial whose pid now belongs to a process started after it was named (pids are reused)',
    async () => {
      const parent = tmpDir()
      const before = processStartedAt(process.pid)! - 60_000
      const reused = plant(parent, `.model.partial-${host()}-${process.pid}-${before}`)
      const mine = plant(parent, `.model.partial-${host()}-${process.pid}-${Date.now()}`)
      expect(await removeStalePartials(parent)).toEqual([reused])
      expect(fs.readdirSync(parent)).toEqual([mine])
    },
  )

  it('answers nothing for a folder that does not exist', async () => {
    expect(await removeStalePartials(path.join(tmpDir(), 'missing'))).toEqual([])
  })
})
