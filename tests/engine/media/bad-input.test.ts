import fs from 'node:fs'
import path from 'node:path'
import sharp from 'sharp'
import { beforeAll, describe, expect, it } from 'vitest'
import { ImportSourceError } from '../../../main/engine/errors'
import { Studio } from '../../../main/engine/studio'
import { studio as cli } from '../../helpers/cli'
import { makeImage, makeImages, tmpDir } from '../../helpers/fixtures'

/** Reason recorded for a file, by its relative path. */
function reasons(studio: Studio): Record<string, string> {
  return Object.fromEntries(studio.importErrors().map((e) => [e.path, e.reason]))
}

describe('bad files: each is an error naming the file, and the rest imports', () => {
  const root = tmpDir()
  const src = path.join(root, 'src')
  let studio: Studio

  beforeAll(async () => {
    await makeImages(path.join(src, 'good'), 3, 0)
    const bad = path.join(src, 'bad')
    fs.mkdirSync(bad, { recursive: true })
    fs.writeFileSync(path.join(bad, 'empty.jpg'), '')
    fs.writeFileSync(path.join(bad, 'text.jpg'), 'this is a text file, not a JPEG\n')
    // A noisy 400×400 JPEG cut in half.
    const noise = Buffer.from(Array.from({ length: 400 * 400 * 3 }, (_, i) => (i * 2654435761) % 251))
    const full = await sharp(noise, { raw: { width: 400, height: 400, channels: 3 } })
      .jpeg({ quality: 95 })
      .toBuffer()
    fs.writeFileSync(path.join(bad, 'truncated.jpg'), full.subarray(0, Math.floor(full.length / 2)))
    // 3000×3000 = 9 MP, over the 1 MP limit the test sets: a stand-in for a decompression bomb.
    await sharp({ create: { width: 3000, height: 3000, channels: 3, background: '#fff' } })
      .png()
      .toFile(path.join(bad, 'bomb.png'))
    fs.symlinkSync('self.jpg', path.join(bad, 'self.jpg'))
    fs.symlinkSync('nowhere.jpg', path.join(bad, 'broken.jpg'))
    fs.mkdirSync(path.join(bad, 'deep'))
    fs.symlinkSync('..', path.join(bad, 'deep', 'loop'))
    // Names that are odd but valid import normally.
    await makeImage(path.join(src, 'names', 'with space.jpg'), 50)
    await makeImage(path.join(src, 'names', 'ünïcødé 猫.jpg'), 51)
    await makeImage(path.join(src, 'names', 'new\nline.jpg'), 52)
    studio = Studio.init(path.join(root, 'proj'))
  })

  it('records a clear reason per bad file and imports every good one', async () => {
    const s = await studio.import(src, { maxPixels: 1_000_000 })
    expect(s.status).toBe('done')
    expect(s.imported).toBe(6)
    const r = reasons(studio)
    expect(r['bad/empty.jpg']).toMatch(/empty \(0 bytes\)/)
    expect(r['bad/text.jpg']).toMatch(/not a recognised image/)
    expect(r['bad/truncated.jpg']).toMatch(/truncated or corrupt/)
    expect(r['bad/bomb.png']).toMatch(/3000×3000 .*over the 1\.0 megapixel limit/)
    expect(r['bad/self.jpg']).toMatch(/symlink loop/)
    expect(r['bad/broken.jpg']).toMatch(/broken symlink/)
    expect(r['bad/deep/loop']).toMatch(/symlink loop/)
    expect(Object.keys(r)).toHaveLength(7)
    expect(s.errors).toBe(7)
    expect(studio.stats()).toMatchObject({ images: 6, errors: 7, classes: { good: 3, names: 3 } })
  })

  it('imports file names with spaces, unicode and newlines', () => {
    for (const n of ['with space.jpg', 'ünïcødé 猫.jpg', 'new\nline.jpg']) {
      expect(studio.image(`names/${n}`).originalName).toBe(n)
    }
  })

  it('a second run neither re-imports nor re-reports anything, and the database is intact', async () => {
    const s = await studio.import(src, { maxPixels: 1_000_000 })
    expect(s).toMatchObject({ imported: 0, duplicates: 6, errors: 7 })
    expect(studio.stats().images).toBe(6)
    expect(studio.store.integrityCheck()).toBe('ok')
  })
})

describe('unreadable files', () => {
  const root = tmpDir()

  it('a file without read permission is an error naming it; the rest imports', async () => {
    const src = path.join(root, 'src')
    await makeImages(src, 2, 10)
    await makeImage(path.join(src, 'locked.jpg'), 20)
    fs.chmodSync(path.join(src, 'locked.jpg'), 0o000)
    const proj = path.join(root, 'proj')
    let errors: { path: string; reason: string }[]
    let imported: number
    if (process.getuid?.() === 0) {
      // Root reads everything; run the real CLI without the capabilities that bypass permissions.
      const prefix = ['setpriv', '--bounding-set=-dac_override,-dac_read_search', '--']
      expect(cli(['init', proj])).toMatchObject({ code: 0 })
      const r = cli(['import', src, '--project', proj, '--json'], { prefix })
      expect(r).toMatchObject({ code: 0 })
      const out = JSON.parse(r.stdout) as { imported: number; errorList: { path: string; reason: string }[] }
      ;({ errorList: errors, imported } = out)
    } else {
      const studio = Studio.init(proj)
      imported = (await studio.import(src)).imported
      errors = studio.importErrors()
      studio.close()
    }
    expect(imported).toBe(2)
    expect(errors).toEqual([{ path: 'locked.jpg', reason: 'permission denied' }])
  })
})

describe('bad CSV rows', () => {
  const root = tmpDir()

  it('missing files, columns that cannot be attributes, blank labels and escaping paths are errors; good rows import', async () => {
    const dir = path.join(root, 'data')
    await makeImages(path.join(dir, 'pics'), 3, 30)
    await makeImage(path.join(root, 'outside.jpg'), 40)
    fs.writeFileSync(
      path.join(dir, 'list.csv'),
      [
        'path,label,size',
        'pics/img-000.jpg,cat,1',
        'pics/missing.jpg,cat,1',
        'pics/img-001.jpg,   ,1',
        '../outside.jpg,cat,1',
        `${path.join(root, 'outside.jpg')},cat,1`,
        'pics/img-002.jpg,dog,2',
      ].join('\n'),
    )
    const studio = Studio.init(path.join(root, 'proj'))
    const s = await studio.import(path.join(dir, 'list.csv'))
    expect(s.imported).toBe(2)
    const errs = studio.importErrors().map((e) => `${e.path} | ${e.reason}`)
    expect(errs).toEqual([
      expect.stringMatching(/^list\.csv:1:3 \| list\.csv: column "size" cannot be an attribute \("size" is a built-in/),
      expect.stringMatching(/^list\.csv:4 \| list\.csv row 4: label for "pics\/img-001\.jpg" is only whitespace/),
      expect.stringMatching(/^list\.csv:5 \| list\.csv row 5: path "\.\.\/outside\.jpg" is outside the CSV's folder/),
      expect.stringMatching(/^list\.csv:6 \| list\.csv row 6: path ".*outside\.jpg" is outside the CSV's folder/),
      'pics/missing.jpg | file not found',
    ])
    expect(studio.stats()).toMatchObject({ images: 2, classes: { cat: 1, dog: 1 } })
    studio.close()
  })

  it('a CSV with a header but no path column is refused before anything is written', async () => {
    fs.writeFileSync(path.join(root, 'nopath.csv'), 'file,label\na.jpg,x\n')
    const studio = Studio.init(path.join(root, 'proj2'))
    await expect(studio.import(path.join(root, 'nopath.csv'))).rejects.toThrow(
      /nopath\.csv has a header without a "path" column/,
    )
    expect(studio.store.imports.batches()).toEqual([])
    studio.close()
  })
})

describe('bad sources', () => {
  const root = tmpDir()

  it('a folder that does not exist is a clear error and nothing is written', async () => {
    const studio = Studio.init(path.join(root, 'proj'))
    await expect(studio.import(path.join(root, 'nope'))).rejects.toThrow(ImportSourceError)
    await expect(studio.import(path.join(root, 'nope'))).rejects.toThrow(/nope does not exist/)
    expect(studio.store.imports.batches()).toEqual([])
    studio.close()
  })

  it('the CLI refuses a project path that is not a project, with a one-line reason, and creates nothing', async () => {
    const src = path.join(root, 'imgs')
    await makeImages(src, 1, 90)
    const notProject = path.join(root, 'not-a-project')
    const r = cli(['import', src, '--project', notProject])
    expect(r.code).not.toBe(0)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toMatch(/not-a-project does not exist/)
    expect(fs.existsSync(notProject)).toBe(false)
  })

  it('a failed import keeps everything already stored', async () => {
    const src = path.join(root, 'first')
    await makeImages(path.join(src, 'a'), 3, 95)
    const studio = Studio.init(path.join(root, 'keep'))
    await studio.import(src)
    const before = studio.stats()
    const bad = path.join(root, 'bad')
    fs.mkdirSync(bad)
    fs.writeFileSync(path.join(bad, 'x.jpg'), 'nope')
    await studio.import(bad)
    await expect(studio.import(path.join(root, 'missing'))).rejects.toThrow()
    expect(studio.stats()).toMatchObject({ images: before.images, classes: before.classes, errors: 1 })
    expect(studio.store.integrityCheck()).toBe('ok')
    studio.close()
  })
})
