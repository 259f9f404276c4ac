import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { createDatasetVersion } from '../../../main/engine/datasets/versions'
import { thumbFile } from '../../../main/engine/media/formats'
import { backupProject } from '../../../main/engine/maintenance/backup'
import { checkProject } from '../../../main/engine/maintenance/check'
import { restoreProject } from '../../../main/engine/maintenance/restore'
import { changeSettings } from '../../../main/engine/privacy/settings'
import { Studio } from '../../../main/engine/studio'
import { makeImages, tmpDir } from '../../helpers/fixtures'

/**
 * Maintenance: `studio check` finds damaged originals and missing thumbnails (repairing what it can),
 * `studio backup` snapshots a project another process is writing, `studio restore` brings it back
 * exactly and refuses non-empty folders and damaged backups.
 */

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex')

async function project(root: string, name: string, n = 8): Promise<{ dir: string; src: string }> {
  const src = path.join(root, `${name}-src`)
  await makeImages(path.join(src, 'cats'), n / 2, 0)
  await makeImages(path.join(src, 'dogs'), n / 2, 100)
  const dir = path.join(root, name)
  const s = Studio.init(dir)
  try {
    await s.import(src)
  } finally {
    s.close()
  }
  return { dir, src }
}

/** Every image's hash and label, and every run: what a restored project must have. */
function contents(dir: string) {
  const db = new Database(path.join(dir, 'studio.db'), { readonly: true })
  try {
    return {
      images: db
        .prepare('SELECT i.hash, c.name FROM images i LEFT JOIN classes c ON c.id = i.class_id ORDER BY i.id')
        .all(),
      events: (db.prepare('SELECT count(*) AS n FROM label_events').get() as { n: number }).n,
      runs: db.prepare('SELECT id, preset, status, config FROM runs ORDER BY id').all(),
    }
  } finally {
    db.close()
  }
}

describe('studio check', () => {
  const root = tmpDir()

  it('finds a damaged original and a missing thumbnail, repairs the thumbnail and what its source still has', async () => {
    const { dir, src } = await project(root, 'check')
    const s = Studio.open(dir)
    try {
      const imgs = s.store.images.page({ limit: 100 }).items
      const [damaged, fromSource, thumbless] = [imgs[1]!, imgs[2]!, imgs[5]!]
      // Damaged with its import source gone: not repairable. Damaged with the source there: written back.
      const bad = s.originalPath(damaged)
      const buf = fs.readFileSync(bad)
      buf[buf.length >> 1] = buf[buf.length >> 1]! ^ 0xff
      fs.writeFileSync(bad, buf)
      fs.rmSync(path.join(src, damaged.relPath))
      fs.writeFileSync(s.originalPath(fromSource), 'not the image any more')
      const thumb = thumbFile(s.project.paths.thumbs, thumbless.hash)
      fs.rmSync(thumb)

      const r = await checkProject(s)
      expect(r.database).toBe('ok')
      expect([r.checked, r.originalsOk, r.repairedOriginals, r.repairedThumbnails]).toEqual([8, 6, 1, 1])
      expect(r.problems).toEqual([
        expect.objectContaining({ kind: 'original-damaged', file: bad, imageId: damaged.id }),
      ])
      expect(fs.existsSync(thumb)).toBe(true)
      expect(sha(fs.readFileSync(s.originalPath(fromSource)))).toBe(fromSource.hash)
      // Each repair named: the file written, the image as imported, where an original came from.
      expect(r.repaired).toEqual([
        {
          kind: 'original',
          file: s.originalPath(fromSource),
          name: fromSource.relPath,
          imageId: fromSource.id,
          from: path.join(src, fromSource.relPath),
        },
        { kind: 'thumbnail', file: thumb, name: thumbless.relPath, imageId: thumbless.id, from: null },
      ])

      fs.rmSync(s.originalPath(imgs[3]!))
      const again = await checkProject(s)
      expect(again.repairedThumbnails).toBe(0)
      expect(again.repairedOriginals).toBe(1) // the missing one, from its source
      expect(again.problems.map((p) => p.imageId)).toEqual([damaged.id])
    } finally {
      s.close()
    }
  })

  it('counts GPS for images imported before Studio counted it, and says the database is damaged', async () => {
    const { dir } = await project(root, 'check-gps', 4)
    const s = Studio.open(dir)
    try {
      s.project.db.exec('UPDATE images SET gps = NULL')
      expect(s.store.privacy.gpsCounts().unchecked).toBe(4)
      const r = await checkProject(s)
      expect(r.gpsCounted).toBe(4)
      expect(s.store.privacy.gpsCounts()).toEqual({ withGps: 0, withoutGps: 4, unchecked: 0 })
    } finally {
      s.close()
    }
    // A page of the images table overwritten: the integrity check names the damage.
    const file = path.join(dir, 'studio.db')
    const raw = new Database(file)
    raw.pragma('wal_checkpoint(TRUNCATE)')
    const page = raw.pragma('page_size', { simple: true }) as number
    const rootpage = (
      raw.prepare("SELECT rootpage FROM sqlite_master WHERE name = 'images_name'").get() as { rootpage: number }
    ).rootpage
    raw.close()
    const fd = fs.openSync(file, 'r+')
    fs.writeSync(fd, Buffer.alloc(64, 0x55), 0, 64, (rootpage - 1) * page + 8)
    fs.closeSync(fd)
    const broken = Studio.open(dir)
    try {
      const r = await checkProject(broken)
      expect(r.database).toBe('damaged')
      expect(r.problems[0]).toMatchObject({ kind: 'database', file })
    } finally {
      broken.close()
    }
  })
})

describe('studio backup and restore', () => {
  const root = tmpDir()

  it('backs up while another process writes labels; the restore is consistent and has what was acknowledged', async () => {
    const { dir } = await project(root, 'live', 12)
    // A run and its folder, as training leaves them.
    const s = Studio.open(dir)
    let runId: number
    try {
      const version = createDatasetVersion(s.store, { seed: 1 })
      runId = s.store.runs.create({
        datasetVersion: version,
        preset: 'seed-cnn',
        config: '{"epochs":1}',
        createdAt: 'now',
        pid: 1,
      })
      changeSettings(s.store, { stripMetadata: 'gps' })
    } finally {
      s.close()
    }
    fs.mkdirSync(path.join(dir, 'runs', String(runId), 'model'), { recursive: true })
    fs.writeFileSync(path.join(dir, 'runs', String(runId), 'model', 'model.json'), '{"format":"layers-model"}')
    fs.writeFileSync(path.join(dir, 'runs', String(runId), 'model.partial'), 'leftover of an atomic write')

    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(import.meta.dirname, 'label-writer.child.ts'), dir],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let acked = 0
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      const m = /ack (\d+)\n$/.exec(d)
      if (m) acked = Number(m[1])
    })
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    try {
      const start = Date.now()
      while (acked < 200) {
        if (Date.now() - start > 60_000 || child.exitCode !== null) throw new Error(`label writer: ${stderr}`)
        await new Promise((r) => setTimeout(r, 50))
      }
      const before = acked
      const file = path.join(root, 'live.tar')
      const summary = await backupProject(dir, file)
      expect(acked).toBeGreaterThan(before) // the writer went on during the backup
      expect(summary).toMatchObject({ images: 12, runs: 1, missing: [] })
      expect(summary.files).toBe(1 + 12 + 12 + 1) // database, originals, thumbnails, the run's model.json

      const out = path.join(root, 'restored')
      fs.mkdirSync(out) // an empty folder is fine
      const r = await restoreProject(file, out)
      expect(r).toMatchObject({ project: out, images: 12, runs: 1 })
      const db = new Database(path.join(out, 'studio.db'), { readonly: true })
      try {
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok')
        // Every label is what its last logged change says: no torn write.
        const torn = db
          .prepare(
            `SELECT count(*) AS n FROM images i WHERE i.class_id IS NOT (SELECT e.new_class_id FROM label_events e
              WHERE e.image_id = i.id ORDER BY e.id DESC LIMIT 1)`,
          )
          .get() as { n: number }
        expect(torn.n).toBe(0)
        const sets = db.prepare("SELECT count(*) AS n FROM label_actions WHERE kind = 'set'").get() as { n: number }
        expect(sets.n).toBeGreaterThanOrEqual(before)
      } finally {
        db.close()
      }
      const restored = Studio.open(out)
      try {
        expect(restored.store.runs.get(runId)).toMatchObject({ preset: 'seed-cnn' })
        expect(restored.store.privacy.setting('stripMetadata')).toBe('gps')
        for (const img of restored.store.images.page({ limit: 100 }).items) {
          expect(sha(fs.readFileSync(restored.originalPath(img)))).toBe(img.hash)
          expect(fs.existsSync(thumbFile(restored.project.paths.thumbs, img.hash))).toBe(true)
        }
        const check = await checkProject(restored)
        expect(check.problems).toEqual([])
      } finally {
        restored.close()
      }
      expect(fs.readFileSync(path.join(out, 'runs', String(runId), 'model', 'model.json'), 'utf8')).toContain('layers')
      expect(fs.existsSync(path.join(out, 'runs', String(runId), 'model.partial'))).toBe(false)
    } finally {
      child.kill('SIGKILL')
    }
  }, 120_000)

  it('restores a quiet project exactly, and refuses a non-empty folder, naming it', async () => {
    const { dir } = await project(root, 'quiet', 4)
    const file = path.join(root, 'quiet.tar')
    await backupProject(dir, file)
    await expect(backupProject(dir, file)).rejects.toThrow(/already exists/)
    const out = path.join(root, 'quiet-restored')
    await restoreProject(file, out)
    expect(contents(out)).toEqual(contents(dir))

    const busy = path.join(root, 'busy')
    fs.mkdirSync(busy)
    fs.writeFileSync(path.join(busy, 'notes.txt'), 'mine')
    await expect(restoreProject(file, busy)).rejects.toThrow(`${busy} is not empty`)
    expect(fs.readdirSync(busy)).toEqual(['notes.txt'])
    await expect(restoreProject(file, path.join(root, 'no', 'such'))).rejects.toThrow(
      `${path.join(root, 'no')}, does not exist`,
    )
  })

  it('refuses a damaged, truncated or foreign backup with a clear error and leaves nothing behind', async () => {
    const { dir } = await project(root, 'src-of-damage', 4)
    const file = path.join(root, 'good.tar')
    await backupProject(dir, file)
    const good = fs.readFileSync(file)
    const cases: [string, Buffer, RegExp][] = [
      // A byte of an original's data flipped: the header is fine, the SHA-256 is not.
      ['flipped.tar', flipInEntry(good, '.jpg'), /media\/.*\.jpg is damaged \(its SHA-256 differs\)/],
      ['truncated.tar', good.subarray(0, good.length - 4096), /no manifest|ends early/],
      ['header.tar', flipAt(good, 3), /header at byte 0 is damaged/],
      ['foreign.tar', Buffer.from('just some text, not a tar file at all\n'.repeat(40)), /not a usable Studio backup/],
    ]
    for (const [name, data, why] of cases) {
      const bad = path.join(root, name)
      fs.writeFileSync(bad, data)
      const out = path.join(root, `out-${name}`)
      await expect(restoreProject(bad, out), name).rejects.toThrow(why)
      await expect(restoreProject(bad, out)).rejects.toThrow(`${bad} is not a usable Studio backup`)
      expect(fs.existsSync(out)).toBe(false)
    }
    expect(fs.readdirSync(root).filter((f) => f.includes('partial'))).toEqual([])
  })
})

function flipAt(b: Buffer, at: number): Buffer {
  const c = Buffer.from(b)
  c[at] = c[at]! ^ 0xff
  return c
}

/** Flips a byte in the middle of the first entry whose name ends with `suffix` (tar: 512-byte headers). */
function flipInEntry(b: Buffer, suffix: string): Buffer {
  for (let at = 0; at + 512 <= b.length;) {
    const name = b.toString('latin1', at, at + 100).replace(/\0.*$/s, '')
    const size = parseInt(b.toString('latin1', at + 124, at + 136), 8)
    if (name.endsWith(suffix)) return flipAt(b, at + 512 + (size >> 1))
    at += 512 + Math.ceil(size / 512) * 512
  }
  throw new Error(`no ${suffix} entry`)
}
