import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { signalsOf } from '../../../main/engine/health/signals'
import { originalPath } from '../../../main/engine/media/thumbnails'
import { Studio } from '../../../main/engine/studio'
import { makeImage, tmpDir } from '../../helpers/fixtures'
import { scene } from '../../helpers/scenes'

describe('the same bytes under two class folders', () => {
  const root = tmpDir()
  const src = path.join(root, 'src')
  let studio: Studio
  let hash = ''
  // Which of the two paths names the image row depends on which file finished first.
  const dup = () => studio.store.images.byHash(hash)!
  const label = () => studio.store.labels.labelOf(dup().id)
  const classId = (name: string) => studio.labels.findClass(name).id

  beforeAll(async () => {
    const bytes = await scene(7)
    hash = createHash('sha256').update(bytes).digest('hex')
    for (const [rel, buf] of [
      ['ants/x.jpg', bytes],
      ['bees/y.jpg', bytes],
    ] as const) {
      fs.mkdirSync(path.dirname(path.join(src, rel)), { recursive: true })
      fs.writeFileSync(path.join(src, rel), buf)
    }
    studio = Studio.init(path.join(root, 'proj'))
  })

  it('are one image, left unlabeled, with both paths and labels recorded; neither class vanishes', async () => {
    const s = await studio.import(src)
    expect(s).toMatchObject({ imported: 1, duplicates: 1, conflicts: 1 })
    expect(label()).toBeNull()
    expect(studio.store.health.sourcesOf(dup().id)).toEqual([
      { imageId: dup().id, relPath: 'ants/x.jpg', label: 'ants' },
      { imageId: dup().id, relPath: 'bees/y.jpg', label: 'bees' },
    ])
    expect(studio.stats().classes).toEqual({ ants: 0, bees: 0 })
  })

  it('the clear is in the label log: undo gives back the label it was imported with, redo clears it again', () => {
    expect(studio.labels.undo()).toMatchObject({ kind: 'clear', changed: 1 })
    expect(label()).toBe(classId(dup().relPath.startsWith('ants/') ? 'ants' : 'bees'))
    studio.labels.redo()
    expect(label()).toBeNull()
  })

  it('re-importing the folder never overrides the decision the user made since', async () => {
    expect(await studio.import(src)).toMatchObject({ duplicates: 2, conflicts: 0 })
    expect(label()).toBeNull()
    studio.labels.setLabels([dup().id], 'bees')
    await studio.import(src)
    expect(label()).toBe(classId('bees'))
    studio.labels.setLabels([dup().id], 'ants')
    await studio.import(src)
    expect(label()).toBe(classId('ants'))
  })

  it('a third label at a new path is a new conflict and clears the label again', async () => {
    const third = path.join(root, 'third')
    fs.mkdirSync(path.join(third, 'wasps'), { recursive: true })
    fs.copyFileSync(path.join(src, 'ants/x.jpg'), path.join(third, 'wasps/z.jpg'))
    expect(await studio.import(third)).toMatchObject({ duplicates: 1, conflicts: 1 })
    expect(label()).toBeNull()
    expect(studio.store.health.sourcesOf(dup().id).map((s) => s.label)).toEqual(['ants', 'bees', 'wasps'])
  })

  it('the same label at another path, or no label, is no conflict', async () => {
    const more = path.join(root, 'more')
    fs.mkdirSync(path.join(more, 'Cats'), { recursive: true })
    fs.mkdirSync(path.join(more, 'cats2'), { recursive: true })
    await makeImage(path.join(more, 'Cats/a.jpg'), 5)
    fs.copyFileSync(path.join(more, 'Cats/a.jpg'), path.join(more, 'Cats/a-copy.jpg'))
    fs.copyFileSync(path.join(more, 'Cats/a.jpg'), path.join(more, 'loose.jpg'))
    await studio.import(more)
    const bytes = fs.readFileSync(path.join(more, 'loose.jpg'))
    const img = studio.store.images.byHash(createHash('sha256').update(bytes).digest('hex'))!
    expect(studio.store.labels.labelOf(img.id)).toBe(classId('Cats'))
    expect(studio.store.health.sourcesOf(img.id).map((s) => [s.relPath, s.label])).toEqual([
      ['Cats/a-copy.jpg', 'Cats'],
      ['Cats/a.jpg', 'Cats'],
      ['loose.jpg', null],
    ])
  })
})

describe('import records', () => {
  const root = tmpDir()

  it('measures the signals of every imported image and lists the files skipped as not images', async () => {
    const src = path.join(root, 'src')
    fs.mkdirSync(path.join(src, 'a'), { recursive: true })
    fs.writeFileSync(path.join(src, 'a', 'p.jpg'), await scene(1))
    await makeImage(path.join(src, 'a', 'q.png'), 3, 'png')
    fs.writeFileSync(path.join(src, 'a', 'labels.csv'), 'x')
    fs.writeFileSync(path.join(src, 'LICENSE'), 'x')
    const studio = Studio.init(path.join(root, 'proj'))
    try {
      const s = await studio.import(src)
      expect(s.ignored).toBe(2)
      expect(studio.store.health.unmeasuredCount()).toBe(0)
      const rows = studio.store.health.imageRows()
      for (const r of rows) {
        expect(r.phash).toMatch(/^[0-9a-f]{16}$/)
        expect(r.brightness).toBeGreaterThan(0)
        expect(r.sharpness).toBeGreaterThan(0)
        // The thumbnail's decode gives exactly what measuring the stored original gives (the backfill's way).
        expect(r).toMatchObject(await signalsOf(originalPath(studio.project.paths, studio.image(r.id))))
      }
      expect(studio.store.health.skipped().map((f) => [f.path, f.reason])).toEqual([
        ['LICENSE', 'not an image file (no extension)'],
        ['a/labels.csv', 'not an image file (.csv is not an image extension)'],
      ])
      // A later scan of the same source replaces the list: a file removed since is no longer listed.
      fs.rmSync(path.join(src, 'LICENSE'))
      await studio.import(src)
      expect(studio.store.health.skipped().map((f) => f.path)).toEqual(['a/labels.csv'])
    } finally {
      studio.close()
    }
  })
})
