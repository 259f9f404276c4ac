import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { Studio } from '../../../main/engine/studio'
import { makeImage, makeImages, tmpDir } from '../../helpers/fixtures'

describe('import errors over repeated imports of one source', () => {
  const root = tmpDir()

  it('count each bad file once, keep its latest reason, and clear it once the file imports', async () => {
    const src = path.join(root, 'src')
    await makeImages(path.join(src, 'good'), 2, 0)
    fs.mkdirSync(path.join(src, 'bad'))
    fs.writeFileSync(path.join(src, 'bad', 'empty.jpg'), '')
    fs.writeFileSync(path.join(src, 'bad', 'text.jpg'), 'not a JPEG\n')
    fs.writeFileSync(path.join(src, 'bad', 'later-fixed.jpg'), 'not yet a JPEG\n')
    const studio = Studio.init(path.join(root, 'proj'))
    try {
      const first = await studio.import(src)
      expect([first.imported, first.errors]).toEqual([2, 3])
      expect(studio.stats().errors).toBe(3)

      // The same folder again: the same three files fail again, and still count three times in all.
      fs.writeFileSync(path.join(src, 'bad', 'empty.jpg'), 'now it has bytes, still not an image\n')
      const second = await studio.import(src)
      expect(second.batchId).not.toBe(first.batchId)
      expect(second.errors).toBe(3) // this run's own outcome is still reported
      expect(studio.stats().errors).toBe(3)
      const errors = studio.importErrors()
      expect(errors.map((e) => e.path).sort()).toEqual(['bad/empty.jpg', 'bad/later-fixed.jpg', 'bad/text.jpg'])
      expect(errors.every((e) => e.batchId === second.batchId)).toBe(true)
      // The latest reason replaced the first one ("empty (0 bytes)").
      expect(errors.find((e) => e.path === 'bad/empty.jpg')!.reason).toMatch(/not a recognised image/)

      // A file that imports now is no longer an error.
      await makeImage(path.join(src, 'bad', 'later-fixed.jpg'), 40)
      const third = await studio.import(src)
      expect([third.imported, third.errors]).toEqual([1, 2])
      expect(studio.stats().errors).toBe(2)
      expect(
        studio
          .importErrors()
          .map((e) => e.path)
          .sort(),
      ).toEqual(['bad/empty.jpg', 'bad/text.jpg'])
    } finally {
      studio.close()
    }
  })

  it('another source with the same relative paths keeps its own errors', async () => {
    const a = path.join(root, 'a')
    const b = path.join(root, 'b')
    for (const dir of [a, b]) {
      fs.mkdirSync(dir, { recursive: true })
      fs.writeFileSync(path.join(dir, 'x.jpg'), 'not a JPEG\n')
    }
    const studio = Studio.init(path.join(root, 'proj2'))
    try {
      await studio.import(a)
      await studio.import(b)
      await studio.import(a)
      expect(studio.stats().errors).toBe(2)
    } finally {
      studio.close()
    }
  })
})
