import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { unzipSync } from 'fflate'
import { beforeAll, describe, expect, it } from 'vitest'
import type { StudioEvent } from '../../../preload/contract'
import { exportData } from '../../../main/engine/export-data/export-data'
import { partialName, partialOwner } from '../../../main/engine/export/partials'
import { StudioService } from '../../../main/engine/service'
import { Studio } from '../../../main/engine/studio'
import { tmpDir } from '../../helpers/fixtures'
import { listFiles, makeExportProject } from './fixture'

const root = tmpDir('studio-export-safety-')
let project: Awaited<ReturnType<typeof makeExportProject>>

beforeAll(async () => {
  project = await makeExportProject(root)
}, 60_000)

/** Every file of the project folder with its sha256: what must be unchanged after a refused export. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const f of listFiles(dir)) {
    if (/studio\.db/.test(f)) continue // SQLite's WAL files change on open; the rows are compared below
    out[f] = createHash('sha256')
      .update(fs.readFileSync(path.join(dir, f)))
      .digest('hex')
  }
  return out
}

function withStudio<T>(fn: (s: Studio) => Promise<T>): Promise<T> {
  const s = Studio.open(project.dir)
  return fn(s).finally(() => s.close())
}

describe('where a dataset export may go', () => {
  it('refuses a folder that is not empty, and leaves it and the project as they were', async () => {
    const dest = path.join(root, 'busy')
    fs.mkdirSync(dest)
    fs.writeFileSync(path.join(dest, 'keep.txt'), 'mine')
    const before = snapshot(project.dir)
    await withStudio(async (s) => {
      const images = s.store.images.total()
      await expect(exportData(s, dest, {})).rejects.toThrow(/exists and is not empty/)
      expect(s.store.images.total()).toBe(images)
    })
    expect(fs.readdirSync(dest)).toEqual(['keep.txt'])
    expect(fs.readFileSync(path.join(dest, 'keep.txt'), 'utf8')).toBe('mine')
    expect(snapshot(project.dir)).toEqual(before)
    expect(fs.readdirSync(root).filter((f) => f.includes('partial'))).toEqual([])
  })

  it('refuses anywhere inside the project, and a relative path', async () => {
    await withStudio(async (s) => {
      await expect(exportData(s, path.join(project.dir, 'runs', 'data'), {})).rejects.toThrow(/inside the project/)
      await expect(exportData(s, path.join(project.dir, 'media', 'x'), {})).rejects.toThrow(/media/)
      await expect(exportData(s, 'relative/out', {})).rejects.toThrow(/absolute/)
    })
    expect(fs.existsSync(path.join(project.dir, 'runs', 'data'))).toBe(false)
  })

  it('fills an empty folder the user made', async () => {
    const dest = path.join(root, 'empty')
    fs.mkdirSync(dest)
    const r = await withStudio((s) => exportData(s, dest, { format: 'csv' }))
    expect(r.dir).toBe(dest)
    expect(fs.readdirSync(dest).sort()).toEqual(['images', 'labels.csv', 'manifest.json'])
  })
})

describe('after a crashed export', () => {
  it("removes the partial folder and zip a dead process left beside the destination, not a live export's", async () => {
    const parent = path.join(root, 'after-a-crash')
    fs.mkdirSync(parent)
    const host = partialOwner(path.basename(partialName(parent)))!.host
    const dead = spawnSync(process.execPath, ['-e', '']).pid!
    const crashed = `.data.partial-${host}-${dead}-${Date.now() - 60_000}`
    fs.mkdirSync(path.join(parent, crashed, 'images', 'a'), { recursive: true })
    fs.writeFileSync(path.join(parent, crashed, 'images', 'a', '1.jpg'), 'half an image')
    fs.writeFileSync(path.join(parent, `.data.zip.partial-${host}-${dead}-${Date.now() - 60_000}`), 'PK')
    const live = path.basename(partialName(path.join(parent, 'other')))
    fs.mkdirSync(path.join(parent, live))
    await withStudio((s) => exportData(s, path.join(parent, 'data'), { format: 'csv' }))
    expect(fs.readdirSync(parent).sort()).toEqual(['data', live].sort())
  })
})

describe('cancelling a dataset export', () => {
  it('leaves no folder, no partial sibling and no parent it created', async () => {
    const parent = path.join(root, 'new-parent')
    const dest = path.join(parent, 'out')
    const controller = new AbortController()
    let seen = 0
    const run = withStudio((s) =>
      exportData(
        s,
        dest,
        { versionId: project.versionId },
        (done) => {
          if (done > 0 && ++seen === 3) controller.abort()
        },
        controller.signal,
      ),
    )
    await expect(run).rejects.toThrow(/abort/i)
    expect(seen).toBeGreaterThanOrEqual(3)
    expect(fs.existsSync(parent)).toBe(false)
    expect(fs.readdirSync(root).filter((f) => f.startsWith('.'))).toEqual([])
  })

  it('of a zip leaves no zip and no partial file', async () => {
    const dest = path.join(root, 'zipped-cancel')
    const controller = new AbortController()
    const run = withStudio((s) =>
      exportData(s, dest, { zip: true }, (done) => done === 2 && controller.abort(), controller.signal),
    )
    await expect(run).rejects.toThrow(/abort/i)
    expect(fs.readdirSync(root).filter((f) => f.includes('zipped-cancel'))).toEqual([])
  })
})

describe('a zipped dataset export', () => {
  it('is one zip whose entries match the manifest, and no folder', async () => {
    const dest = path.join(root, 'zipped')
    const r = await withStudio((s) => exportData(s, dest, { format: 'coco', versionId: project.versionId, zip: true }))
    expect(r).toMatchObject({ dir: null, zip: `${dest}.zip` })
    expect(fs.existsSync(dest)).toBe(false)
    const entries = unzipSync(fs.readFileSync(`${dest}.zip`))
    const manifest = JSON.parse(Buffer.from(entries['manifest.json']!).toString('utf8')) as {
      files: { path: string; sha256: string; bytes: number }[]
      dataFiles: { path: string; sha256: string }[]
    }
    expect(Object.keys(entries).sort()).toEqual(
      [...manifest.files, ...manifest.dataFiles]
        .map((f) => f.path)
        .concat('manifest.json')
        .sort(),
    )
    for (const f of [...manifest.files, ...manifest.dataFiles]) {
      expect(createHash('sha256').update(entries[f.path]!).digest('hex')).toBe(f.sha256)
    }
  })
})

describe('the export-data job', () => {
  it('refuses a bad destination at once, then reports progress and a summary', async () => {
    const events: StudioEvent[] = []
    const s = Studio.open(project.dir)
    const service = new StudioService(s, (e) => events.push(e))
    try {
      await expect(service.exportData({ dir: project.dir })).rejects.toThrow(/not empty|inside the project/)
      await expect(service.exportData({ dir: path.join(root, 'job'), versionId: 99 })).rejects.toThrow(/version 99/)
      expect(events.some((e) => e.type === 'job-progress' && e.kind === 'export-data')).toBe(false)
      const dest = path.join(root, 'job')
      expect(await service.exportData({ dir: dest, versionId: project.versionId })).toEqual({
        started: true,
        dir: dest,
        zip: null,
      })
      await expect(service.exportData({ dir: path.join(root, 'job2') })).rejects.toThrow(/already running/)
      await new Promise<void>((resolve) => {
        const poll = () =>
          events.some((e) => e.type === 'job-finished' && e.kind === 'export-data') ? resolve() : setTimeout(poll, 20)
        poll()
      })
      const finished = events.find((e) => e.type === 'job-finished' && e.kind === 'export-data')
      expect(finished).toMatchObject({ status: 'done', error: null })
      const last = events.filter((e) => e.type === 'job-progress' && e.kind === 'export-data').at(-1)
      expect(last).toMatchObject({ done: 24, total: 24 })
      expect(last?.type === 'job-progress' && last.message).toMatch(/^24 images \(train 14, val 5, test 5\), 2 classes/)
      expect(fs.existsSync(path.join(dest, 'manifest.json'))).toBe(true)
    } finally {
      service.cancelAll()
      s.close()
    }
  })
})
