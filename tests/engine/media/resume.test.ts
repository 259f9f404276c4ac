import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import sharp from 'sharp'
import { beforeAll, describe, expect, it } from 'vitest'
import { Studio } from '../../../main/engine/studio'
import { studio as cli, studioSpawn } from '../../helpers/cli'
import { tmpDir } from '../../helpers/fixtures'

const N = 120

/** Noisy photos-sized JPEGs (distinct content), slow enough to interrupt mid-import. */
async function noisyImages(dir: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const cls = i % 2 ? 'odd' : 'even'
    fs.mkdirSync(path.join(dir, cls), { recursive: true })
    await sharp({
      create: {
        width: 480,
        height: 360,
        channels: 3,
        background: '#888',
        noise: { type: 'gaussian', mean: 128, sigma: 40 },
      },
    })
      .jpeg({ quality: 90 })
      .toFile(path.join(dir, cls, `n${String(i).padStart(4, '0')}.jpg`))
  }
}

function count(db: string): number {
  const c = new Database(db, { readonly: true, fileMustExist: true })
  try {
    return (c.prepare('SELECT count(*) AS n FROM images').get() as { n: number }).n
  } catch {
    return 0
  } finally {
    c.close()
  }
}

describe('interrupted imports continue where they stopped', () => {
  const root = tmpDir()
  const src = path.join(root, 'src')
  beforeAll(() => noisyImages(src, N), 120_000)

  it('a killed import process is resumed by the next run: exact counts, no duplicates, integrity ok', async () => {
    const proj = path.join(root, 'killed')
    expect(cli(['init', proj]).code).toBe(0)
    const child = studioSpawn(['import', src, '--project', proj, '--concurrency', '1'])
    const exited = new Promise((resolve) => child.on('exit', resolve))
    const db = path.join(proj, 'studio.db')
    const deadline = Date.now() + 60_000
    while (count(db) < 20 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 15))
    child.kill('SIGKILL')
    await exited
    const before = count(db)
    expect(before).toBeGreaterThanOrEqual(20)
    expect(before).toBeLessThan(N) // it really was interrupted

    const r = cli(['import', src, '--project', proj, '--json'])
    expect(r.code).toBe(0)
    const out = JSON.parse(r.stdout) as Record<string, unknown>
    expect(out).toMatchObject({ resumed: true, status: 'done', seen: N, imported: N, duplicates: 0, errors: 0 })
    const stats = JSON.parse(cli(['stats', '--project', proj, '--json']).stdout) as Record<string, unknown>
    expect(stats).toEqual({ images: N, classes: { even: N / 2, odd: N / 2 }, unlabeled: 0, errors: 0, duplicates: 0 })
    const studio = Studio.open(proj)
    expect(studio.store.integrityCheck()).toBe('ok')
    expect(studio.store.imports.batches()).toHaveLength(1)
    // Every original stored once, and no half-written files from the killed run left behind.
    const originals = fs
      .readdirSync(path.join(proj, 'media'), { recursive: true, withFileTypes: true })
      .filter((f) => f.isFile())
    expect(originals).toHaveLength(N)
    expect(fs.readdirSync(path.join(proj, 'tmp'))).toEqual([])
    studio.close()
  })

  it('a cancelled import stops within the files in flight and the next run finishes it', async () => {
    const studio = Studio.init(path.join(root, 'cancelled'))
    const controller = new AbortController()
    const first = await studio.import(src, {
      concurrency: 2,
      progressMs: 0,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.done >= 30) controller.abort()
      },
    })
    expect(first.status).toBe('cancelled')
    expect(first.imported).toBeGreaterThanOrEqual(30)
    expect(first.imported).toBeLessThanOrEqual(33)
    const second = await studio.import(src)
    expect(second).toMatchObject({ status: 'done', resumed: true, batchId: first.batchId, imported: N, duplicates: 0 })
    expect(studio.stats().images).toBe(N)
    studio.close()
  })

  it('a second import while one is running is refused', async () => {
    const studio = Studio.init(path.join(root, 'locked'))
    const running = studio.import(src, { concurrency: 1 })
    await new Promise((r) => setTimeout(r, 100))
    await expect(studio.import(src)).rejects.toThrow(/already running/)
    await running
    studio.close()
  })
})
