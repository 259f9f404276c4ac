import Database from 'better-sqlite3'
import fs from 'node:fs'
import path from 'node:path'
import sharp from 'sharp'
import { beforeAll, describe, expect, it } from 'vitest'
import type { StudioEvent } from '../../../preload/contract'
import { BACKFILL_CHUNK, backfillSignals, startBackfill } from '../../../main/engine/health/backfill'
import { healthReport } from '../../../main/engine/health/report'
import { signalsOf } from '../../../main/engine/health/signals'
import { Jobs } from '../../../main/engine/jobs'
import { originalPath } from '../../../main/engine/media/thumbnails'
import { Studio } from '../../../main/engine/studio'
import { tmpDir } from '../../helpers/fixtures'
import { scene } from '../../helpers/scenes'

/** A project imported as before signals existed: every image's phash is NULL. */
async function oldProject(root: string, name: string, pictures: number): Promise<Studio> {
  const src = path.join(root, `${name}-src`, 'things')
  fs.mkdirSync(src, { recursive: true })
  for (let i = 0; i < pictures; i++)
    fs.writeFileSync(path.join(src, `p${String(i).padStart(2, '0')}.jpg`), await scene(500 + i))
  // One picture twice more, resized and re-encoded: a near-duplicate group once measured.
  await sharp(await scene(500))
    .resize(200)
    .jpeg({ quality: 60 })
    .toFile(path.join(src, 'copy-small.jpg'))
  await sharp(await scene(500))
    .webp()
    .toFile(path.join(src, 'copy.webp'))
  const studio = Studio.init(path.join(root, name))
  await studio.import(path.dirname(src), { measureSignals: false })
  return studio
}

function finished(events: StudioEvent[]): Promise<void> {
  return new Promise((resolve) => {
    const poll = () =>
      events.some((e) => e.type === 'job-finished' && e.kind === 'backfill') ? resolve() : setTimeout(poll, 20)
    poll()
  })
}

describe('signal backfill of a project imported before signals existed', () => {
  const root = tmpDir()
  let studio: Studio
  const n = BACKFILL_CHUNK + 8

  beforeAll(async () => {
    studio = await oldProject(root, 'proj', n - 2)
  }, 120_000)

  it('reports the images as pending, then measures them all in the background with progress events', async () => {
    expect(studio.store.health.unmeasuredCount()).toBe(n)
    const events: StudioEvent[] = []
    const jobs = new Jobs((e) => events.push(e))
    let changed = 0
    const first = await healthReport(studio, {}, jobs, () => changed++)
    expect(first.pending).toBe(n)
    expect(first.findings.find((f) => f.kind === 'near-duplicate')).toBeUndefined()
    expect(jobs.isRunning('backfill')).toBe(true)
    await finished(events)

    expect(studio.store.health.unmeasuredCount()).toBe(0)
    const progress = events.filter((e) => e.type === 'job-progress')
    expect(progress.every((e) => e.kind === 'backfill' && e.total === n)).toBe(true)
    expect(progress.at(-1)).toMatchObject({ done: n, total: n })
    expect(events.at(-1)).toMatchObject({ type: 'job-finished', kind: 'backfill', status: 'done', error: null })
    expect(changed).toBeGreaterThan(0)

    // Measured exactly as an import measures: same pixels, same signals.
    const img = studio.image('things/p03.jpg')
    const stored = studio.store.health.imageRows().find((r) => r.id === img.id)!
    expect(stored).toMatchObject(await signalsOf(originalPath(studio.project.paths, img)))

    const after = await healthReport(studio, {}, jobs)
    expect(after.pending).toBe(0)
    const ids = ['things/p00.jpg', 'things/copy-small.jpg', 'things/copy.webp'].map((r) => studio.image(r).id)
    expect(after.findings.find((f) => f.kind === 'near-duplicate')?.groups).toEqual([ids.sort((a, b) => a - b)])
    // Nothing left to do: no second job.
    expect(startBackfill(studio, jobs)).toBe(false)
  })

  it('stops at the next chunk when cancelled, and a later run finishes the rest', async () => {
    const other = await oldProject(root, 'cancel', n - 2)
    try {
      const controller = new AbortController()
      let calls = 0
      const ctx = {
        signal: controller.signal,
        progress: () => {
          if (++calls === 2) controller.abort() // after the first chunk
        },
      }
      expect(await backfillSignals(other, ctx)).toBe(BACKFILL_CHUNK)
      expect(other.store.health.unmeasuredCount()).toBe(n - BACKFILL_CHUNK)
      const rest = await backfillSignals(other, { signal: new AbortController().signal, progress: () => {} })
      expect(rest).toBe(n - BACKFILL_CHUNK)
      expect(other.store.health.unmeasuredCount()).toBe(0)
    } finally {
      other.close()
    }
  })

  it('signals measured before subsampling (schema 7) are cleared by migration 8 and measured again on the new scale', async () => {
    const other = await oldProject(root, 'rescale', 3)
    const dir = other.root
    try {
      await backfillSignals(other, { signal: new AbortController().signal, progress: () => {} })
      // What an earlier Studio stored: a sharpness on the full-resolution scale (lower).
      const img = other.image('things/p01.jpg')
      const now = await signalsOf(originalPath(other.project.paths, img))
      other.store.health.setSignals(img.id, { ...now, sharpness: now.sharpness / 4 })
    } finally {
      other.close()
    }
    // Back to schema 7: what later migrations added goes too (migration 9's search index).
    const raw = new Database(path.join(dir, 'studio.db'))
    raw.exec(`DROP TRIGGER images_search_insert; DROP TRIGGER images_search_delete;
      DROP TRIGGER images_search_update; DROP TABLE images_search;`)
    raw.pragma('user_version = 7')
    raw.close()
    const reopened = Studio.open(dir)
    try {
      expect(reopened.store.health.unmeasuredCount()).toBe(5)
      await backfillSignals(reopened, { signal: new AbortController().signal, progress: () => {} })
      const img = reopened.image('things/p01.jpg')
      const stored = reopened.store.health.imageRows().find((r) => r.id === img.id)!
      expect(stored).toMatchObject(await signalsOf(originalPath(reopened.project.paths, img)))
    } finally {
      reopened.close()
    }
  })

  it('an image whose original is gone is reported unreadable, not pending forever', async () => {
    const other = await oldProject(root, 'missing', 3)
    try {
      const gone = other.image('things/p01.jpg')
      fs.rmSync(originalPath(other.project.paths, gone))
      await backfillSignals(other, { signal: new AbortController().signal, progress: () => {} })
      const r = await healthReport(other, {}, null)
      expect(r.pending).toBe(0)
      const unreadable = r.findings.find((f) => f.kind === 'unreadable')!
      expect(unreadable.images).toEqual([gone.id])
      expect(unreadable.detail).toContain('the original is missing')
    } finally {
      other.close()
    }
  })
})
