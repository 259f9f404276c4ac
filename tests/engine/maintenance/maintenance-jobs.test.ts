import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dispatch, httpStatus } from '../../../main/engine/api/dispatch'
import { thumbFile } from '../../../main/engine/media/formats'
import { defaultBackupFile } from '../../../main/engine/maintenance/backup'
import { checkProject } from '../../../main/engine/maintenance/check'
import { AppSession } from '../../../main/engine/session'
import { Studio } from '../../../main/engine/studio'
import { startServer, type RunningServer } from '../../../main/server/server'
import type { BackupDto, CheckDto, StudioEvent } from '../../../preload/contract'
import { studio } from '../../helpers/cli'
import { makeImages, tmpDir } from '../../helpers/fixtures'

/**
 * The check and the backup as the app runs them: background jobs over HTTP with progress in
 * originals, cancel, their results by event (what was repaired and what not, by file name; the
 * backup's size and path), and every refusal of a backup destination named before any work.
 */
const root = tmpDir()
const dir = path.join(root, 'proj')
const src = path.join(root, 'src')
const events: StudioEvent[] = []
let session: AppSession
let server: RunningServer

interface Reply {
  result?: Record<string, unknown>
  error?: { name: string; message: string }
}

async function call(method: string, body?: unknown): Promise<{ status: number; body: Reply }> {
  const res = await fetch(`http://127.0.0.1:${server.port}/api/call/${method}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  return { status: res.status, body: (await res.json()) as Reply }
}

/** Resolves with the job's end (and its events since `from`). */
async function jobEnd(kind: string, from: number) {
  const t0 = Date.now()
  for (;;) {
    const end = events.slice(from).find((e) => e.type === 'job-finished' && e.kind === kind)
    if (end) return { end: end as Extract<StudioEvent, { type: 'job-finished' }>, seen: events.slice(from) }
    if (Date.now() - t0 > 30_000) throw new Error(`${kind} job did not end`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

beforeAll(async () => {
  await makeImages(path.join(src, 'cats'), 4, 0)
  await makeImages(path.join(src, 'dogs'), 4, 100)
  const s = Studio.init(dir)
  try {
    await s.import(src)
  } finally {
    s.close()
  }
  session = new AppSession({ shell: 'browser', onEvent: (e) => events.push(e), recentFile: path.join(root, 'r.json') })
  session.open(dir)
  server = await startServer(session, { log: () => {} })
}, 60_000)
afterAll(async () => {
  await server?.close()
  session?.close(true)
})

describe('the check job', () => {
  it('reports originals verified, then what it repaired and what it could not, each by name', async () => {
    const s = session.studio!
    const imgs = s.store.images.page({ limit: 100 }).items
    const thumbless = imgs[1]!
    const damaged = imgs[6]!
    fs.rmSync(thumbFile(s.project.paths.thumbs, thumbless.hash))
    fs.appendFileSync(s.originalPath(damaged), 'damage')
    fs.rmSync(path.join(src, damaged.relPath)) // its import source is gone: not repairable

    const from = events.length
    // Two starts in one tick: the second is refused while the first runs.
    const [first, second] = await Promise.all([
      dispatch(session.api, 'startCheck', undefined),
      dispatch(session.api, 'startCheck', undefined),
    ])
    expect(first).toEqual({ result: { started: true } })
    expect(second).toEqual({
      error: { name: 'ConflictError', message: 'a check is already running; wait or cancel it' },
    })
    expect(httpStatus(second)).toBe(409)
    const { end, seen } = await jobEnd('check', from)
    expect(end.status).toBe('done')
    const progress = seen.filter((e) => e.type === 'job-progress' && e.kind === 'check')
    expect(progress.at(-1)).toMatchObject({ done: 8, total: 8, message: '8 of 8 originals verified' })
    const finished = seen.findIndex((e) => e.type === 'check-finished')
    expect(finished).toBeGreaterThan(-1)
    expect(finished).toBeLessThan(seen.indexOf(end)) // the result comes before the job's end
    const r = (seen[finished] as { result: CheckDto }).result
    expect(r).toMatchObject({ complete: true, checked: 8, originalsOk: 7, repairedThumbnails: 1 })
    expect(r.repaired).toEqual([
      {
        kind: 'thumbnail',
        file: thumbFile(s.project.paths.thumbs, thumbless.hash),
        name: thumbless.relPath,
        imageId: thumbless.id,
        from: null,
      },
    ])
    expect(r.problems).toEqual([
      expect.objectContaining({
        kind: 'original-damaged',
        file: s.originalPath(damaged),
        name: damaged.relPath,
        imageId: damaged.id,
      }),
    ])
    expect(seen.some((e) => e.type === 'health-changed')).toBe(true)
    // Repaired for the next check; the damaged original stays listed.
    fs.writeFileSync(s.originalPath(damaged), fs.readFileSync(s.originalPath(imgs[7]!)))
  })

  it('stops when cancelled and says how far it got', async () => {
    const s = session.studio!
    const stop = new AbortController()
    let at = 0
    const partial = await checkProject(s, {
      signal: stop.signal,
      onProgress: (p) => {
        at = p.done
        stop.abort()
      },
    })
    expect(at).toBeGreaterThan(0)
    expect(partial).toMatchObject({ complete: false, checked: at, images: 8 })
    expect(at).toBeLessThan(8)

    // Through the job: cancelled right after it starts (same tick), it still reports what it did.
    const from = events.length
    const [started, cancel] = await Promise.all([
      dispatch(session.api, 'startCheck', undefined),
      dispatch(session.api, 'cancelJob', { kind: 'check' }),
    ])
    expect([started, cancel]).toEqual([{ result: { started: true } }, { result: { cancelled: true } }])
    const { end, seen } = await jobEnd('check', from)
    expect(end.status).toBe('cancelled')
    const r = seen.find((e) => e.type === 'check-finished') as { result: CheckDto }
    expect(r.result).toMatchObject({ complete: false, images: 8 })
    expect(r.result.checked).toBeLessThan(8)
  })
})

describe('the backup job', () => {
  it('refuses destinations it cannot use, naming them, before any work', async () => {
    const target = await call('backupTarget')
    const day = new Date().toISOString().slice(0, 10)
    expect(target.body.result).toEqual({ file: path.join(root, `proj-backup-${day}.tar`), exists: false })
    expect(defaultBackupFile(dir)).toBe(target.body.result?.file)

    const relative = await call('startBackup', { path: 'backup.tar' })
    expect(relative.status).toBe(400)
    expect(relative.body.error?.message).toBe('the backup file must be an absolute path (got "backup.tar")')
    const inside = await call('startBackup', { path: path.join(dir, 'b.tar') })
    expect(inside.body.error).toEqual({
      name: 'ValidationError',
      message: `${path.join(dir, 'b.tar')} is inside the project; write the backup somewhere else`,
    })
    const nowhere = await call('startBackup', { path: path.join(root, 'no', 'b.tar') })
    expect(nowhere.body.error?.message).toBe(`the folder for the backup, ${path.join(root, 'no')}, does not exist`)
    const folder = await call('startBackup', { path: src, overwrite: true })
    expect(folder.body.error?.message).toBe(`${src} is a folder; give a file name for the backup`)

    const notes = path.join(root, 'notes.txt')
    fs.writeFileSync(notes, 'my notes, not a backup')
    const exists = await call('startBackup', { path: notes })
    expect(exists.status).toBe(409)
    expect(exists.body.error).toEqual({
      name: 'ConflictError',
      message: `${notes} already exists; choose a new file for the backup`,
    })
    const foreign = await call('startBackup', { path: notes, overwrite: true })
    expect(foreign.body.error?.message).toBe(
      `${notes} exists and is not a Studio backup; it was not replaced, choose another file`,
    )
    expect(fs.readFileSync(notes, 'utf8')).toBe('my notes, not a backup')
    expect(fs.readdirSync(root).filter((f) => f.startsWith('.'))).toEqual([]) // no partial left by a refusal
  })

  it('backs up while another process writes labels; studio restore opens it with the same counts', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(import.meta.dirname, 'label-writer.child.ts'), dir],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let acked = 0
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      const m = /ack (\d+)\n$/.exec(d)
      if (m) acked = Number(m[1])
    })
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    const file = defaultBackupFile(dir)
    let result: BackupDto
    let before: number
    try {
      const t0 = Date.now()
      while (acked < 100) {
        if (Date.now() - t0 > 30_000 || child.exitCode !== null) throw new Error(`label writer: ${stderr}`)
        await new Promise((r) => setTimeout(r, 20))
      }
      before = acked
      const from = events.length
      const started = await call('startBackup', { path: file })
      expect(started.body).toEqual({ result: { started: true, file } })
      const { end, seen } = await jobEnd('backup', from)
      expect(end).toMatchObject({ status: 'done', error: null })
      result = (seen.find((e) => e.type === 'backup-finished') as { result: BackupDto }).result
      expect(seen.filter((e) => e.type === 'job-progress' && e.kind === 'backup').at(-1)).toMatchObject({
        done: 8,
        total: 8,
      })
    } finally {
      child.kill('SIGKILL')
    }
    const after = acked
    expect(result).toMatchObject({ file, images: 8, runs: 0, missing: [], replaced: false })
    expect(result.bytes).toBe(fs.statSync(file).size)

    const out = path.join(root, 'restored')
    const restored = studio(['restore', file, out, '--json'])
    expect(restored.code, restored.stderr).toBe(0)
    expect(JSON.parse(restored.stdout)).toMatchObject({ project: out, images: 8, runs: 0 })
    const db = new Database(path.join(out, 'studio.db'), { readonly: true })
    try {
      const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n
      expect(count('SELECT count(*) AS n FROM images')).toBe(8)
      // One snapshot: every label is what its last logged change says, and the writer's actions
      // acknowledged before the backup started are in it, none after it ended.
      expect(
        count(`SELECT count(*) AS n FROM images i WHERE i.class_id IS NOT (SELECT e.new_class_id FROM label_events e
          WHERE e.image_id = i.id ORDER BY e.id DESC LIMIT 1)`),
      ).toBe(0)
      const sets = count("SELECT count(*) AS n FROM label_actions WHERE kind = 'set'")
      expect(sets).toBeGreaterThanOrEqual(before)
      expect(sets).toBeLessThanOrEqual(after)
    } finally {
      db.close()
    }
    const stats = studio(['stats', '-p', out, '--json'])
    expect(JSON.parse(stats.stdout)).toMatchObject({ images: 8 })

    // The same file again: refused, then replaced once the user confirms.
    expect((await call('startBackup', { path: file })).body.error?.message).toContain('already exists')
    const from = events.length
    expect((await call('startBackup', { path: file, overwrite: true })).status).toBe(200)
    const { end, seen } = await jobEnd('backup', from)
    expect(end.status).toBe('done')
    expect(seen.find((e) => e.type === 'backup-finished')).toMatchObject({ result: { file, replaced: true } })
  }, 60_000)

  it('cancels, leaving no file; names a read-only folder and a full disk', async (ctx) => {
    const cancelled = path.join(root, 'cancelled.tar')
    const from = events.length
    const [started] = await Promise.all([
      dispatch(session.api, 'startBackup', { path: cancelled }),
      dispatch(session.api, 'cancelJob', { kind: 'backup' }),
    ])
    expect(started).toEqual({ result: { started: true, file: cancelled } })
    const { end } = await jobEnd('backup', from)
    expect(end.status).toBe('cancelled')
    expect(fs.readdirSync(root).filter((f) => f.includes('cancelled'))).toEqual([])

    const mnt = path.join(root, 'mnt')
    fs.mkdirSync(mnt)
    const mount = (opts: string) => spawnSync('mount', ['-t', 'tmpfs', '-o', opts, 'tmpfs', mnt]).status === 0
    if (!mount('ro,size=1m')) {
      const reason = 'cannot mount a small tmpfs here (needs root and mount permission)'
      console.warn(`SKIPPED read-only folder and disk-full backup checks: ${reason}`)
      ctx.skip(reason)
    }
    try {
      const ro = await call('startBackup', { path: path.join(mnt, 'b.tar') })
      expect(ro.body.error).toEqual({
        name: 'ValidationError',
        message: `cannot write in ${mnt} (read-only file system); choose another folder`,
      })
    } finally {
      spawnSync('umount', [mnt])
    }
    // 64 KB: the database copy (SQLite) fills it; 400 KB: the copy fits and the tar stream fills it.
    for (const size of ['64k', '400k']) {
      if (!mount(`size=${size}`)) throw new Error('mounted once, not twice')
      try {
        const from2 = events.length
        expect((await call('startBackup', { path: path.join(mnt, 'b.tar') })).status).toBe(200)
        const { end: full } = await jobEnd('backup', from2)
        expect(full.status, size).toBe('failed')
        expect(full.error).toMatch(new RegExp(`^the disk holding ${mnt} is full.*; free some space or choose another`))
        expect(fs.readdirSync(mnt)).toEqual([]) // neither the partial file nor the database copy is left
      } finally {
        spawnSync('umount', [mnt])
      }
    }
  })
})
