import fs from 'node:fs'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../../../main/engine/store/db'
import { Studio } from '../../../main/engine/studio'
import { studioSpawn, type CliResult } from '../../helpers/cli'
import { makeImages, tmpDir } from '../../helpers/fixtures'

/**
 * Resolves once process `pid` has `file` open (Linux /proc): the CLI's start-up time varies by
 * seconds on a loaded machine, and the test must hold the lock while the CLI is at the database.
 */
async function untilOpen(pid: number, file: string): Promise<void> {
  for (;;) {
    const fds = fs.readdirSync(`/proc/${pid}/fd`)
    if (fds.some((fd) => readlink(`/proc/${pid}/fd/${fd}`) === file)) return
    await sleep(20)
  }
}

/** The target of a link; null when it went away meanwhile (a file descriptor closed). */
function readlink(link: string): string | null {
  try {
    return fs.readlinkSync(link)
  } catch {
    return null
  }
}

const root = tmpDir()
const proj = path.join(root, 'proj')
let studio: Studio
let ids: number[]

beforeAll(async () => {
  await makeImages(path.join(root, 'src'), 8, 0)
  studio = Studio.init(proj)
  await studio.import(path.join(root, 'src'))
  ids = studio.store.images.page({ limit: 10 }).items.map((i) => i.id)
  studio.labels.createClass('cat')
  studio.labels.createClass('dog')
})
afterAll(() => studio.close())

/** Runs the real CLI without blocking this process's event loop, so this process can write meanwhile. */
function cli(args: string[], onSpawn: (pid: number) => void = () => {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = studioSpawn(args)
    onSpawn(child.pid!)
    let stdout = ''
    let stderr = ''
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }))
  })
}

describe('label writes from two connections', () => {
  it('the CLI and a second connection write concurrently without "database is locked"', async () => {
    // The CLI relabels the first half of the images while this connection keeps relabeling the
    // second half, undoing and redoing: every operation reads and then writes in one transaction.
    const cliIds = ids.slice(0, 4).map(String)
    const mine = ids.slice(4)
    const failures: string[] = []
    let writes = 0
    let running = true
    const loop = (async () => {
      for (let i = 0; running; i++) {
        try {
          const r = i % 3 === 2 ? studio.labels.undo() : studio.labels.setLabels(mine, i % 2 ? 'cat' : 'dog')
          if (r) writes++
        } catch (err) {
          failures.push(`connection: ${String(err)}`)
        }
        await sleep(i % 4 ? 0 : 1)
      }
    })()
    // Rounds of four CLI writers at once until this connection has written a few hundred times
    // meanwhile (a round lasts as long as the command takes to start: ≈ 0.1–0.5 s).
    const results: CliResult[] = []
    for (let round = 0; round < 2 || (writes <= 200 && round < 20); round++) {
      results.push(
        ...(await Promise.all(
          [0, 1, 2, 3].map((k) => cli(['label', 'set', k % 2 ? 'cat' : 'dog', ...cliIds, '--project', proj])),
        )),
      )
    }
    running = false
    await loop
    for (const r of results) if (r.code !== 0) failures.push(`cli: ${r.stderr.trim()}`)
    expect(failures).toEqual([])
    expect(writes).toBeGreaterThan(200)
    expect(studio.store.integrityCheck()).toBe('ok')
  }, 120_000)

  it.runIf(fs.existsSync('/proc/self/fd'))(
    '`studio label set` waits for another connection’s 2.5 s write transaction',
    async () => {
      studio.labels.setLabels([ids[7]!], null)
      const other = openDatabase(path.join(proj, 'studio.db'))
      try {
        other.exec('BEGIN IMMEDIATE')
        other.prepare('UPDATE images SET labeled_at = ? WHERE id = ?').run('held', ids[0]!)
        let pid = 0
        const pending = cli(['label', 'set', 'dog', String(ids[7]), '--project', proj], (p) => (pid = p))
        await untilOpen(pid, path.join(proj, 'studio.db'))
        await sleep(2500)
        const committed = new Date().toISOString()
        other.exec('COMMIT')
        const r = await pending
        expect(r.stderr).toBe('')
        expect(r.code).toBe(0)
        // It wrote after the other transaction ended: it waited rather than skipping ahead.
        const last = studio.labels.history(ids[7]!).at(-1)!
        expect(last.newClass).toBe('dog')
        expect(last.createdAt >= committed).toBe(true)
      } finally {
        if (other.inTransaction) other.exec('ROLLBACK')
        other.close()
      }
    },
    60_000,
  )
})
