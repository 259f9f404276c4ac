import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { scanCsv } from '../../../main/engine/media/csv'
import { Studio } from '../../../main/engine/studio'
import { makeImage, makeImages, tmpDir } from '../../helpers/fixtures'

const root = tmpDir()

describe('CSV attribute columns', () => {
  it('a repeated column, a bad name and an over-long value are errors; the rest of the row still imports', async () => {
    const dir = path.join(root, 'a')
    fs.mkdirSync(dir, { recursive: true })
    const long = 'x'.repeat(201)
    fs.writeFileSync(
      path.join(dir, 'l.csv'),
      ['path,label,site,SITE,a/b,camera', `p.jpg,cat,north,south,1,${long}`, 'q.jpg,,,south,1,B'].join('\n'),
    )
    const scan = await scanCsv(path.join(dir, 'l.csv'))
    expect(scan.problems.map((p) => p.rel)).toEqual(['l.csv:1:4', 'l.csv:1:5', 'l.csv:2'])
    expect(scan.problems[0]!.reason).toMatch(/column "SITE" cannot be an attribute \("site" is already a column\)/)
    expect(scan.problems[2]!.reason).toMatch(/camera is longer than 200 characters; not kept/)
    expect(scan.items.map((i) => [i.rel, i.label, i.attributes])).toEqual([
      ['p.jpg', 'cat', { site: 'north' }],
      ['q.jpg', null, { camera: 'B' }],
    ])
  })

  it('a CSV without extra columns gives no attributes; with a header-less CSV nothing changes', async () => {
    const dir = path.join(root, 'b')
    fs.mkdirSync(dir, { recursive: true })
    fs.writeFileSync(path.join(dir, 'h.csv'), 'path,label,origin\np.jpg,cat,train\n')
    fs.writeFileSync(path.join(dir, 'n.csv'), 'p.jpg,cat\n')
    for (const f of ['h.csv', 'n.csv']) {
      const scan = await scanCsv(path.join(dir, f))
      expect(scan.problems).toEqual([])
      expect(scan.items[0]!.attributes).toBeUndefined()
    }
  })

  it('the same bytes listed twice: both rows’ attributes land on the one image (later row wins)', async () => {
    const dir = path.join(root, 'c')
    await makeImages(path.join(dir, 'pics'), 1)
    await makeImage(path.join(dir, 'copy', 'img-000.jpg'), 0)
    fs.writeFileSync(
      path.join(dir, 'l.csv'),
      ['path,label,site,camera', 'pics/img-000.jpg,cat,north,', 'copy/img-000.jpg,cat,south,A'].join('\n'),
    )
    const s = Studio.init(path.join(root, 'proj-c'))
    try {
      expect(await s.import(path.join(dir, 'l.csv'))).toMatchObject({ imported: 1, duplicates: 1 })
      // Either copy may be the one imported (files import concurrently): find the image by content.
      const bytes = fs.readFileSync(path.join(dir, 'pics', 'img-000.jpg'))
      const hash = crypto.createHash('sha256').update(bytes).digest('hex')
      const id = s.image(hash).id
      expect(s.store.attributes.ofImage(id)).toEqual([
        { name: 'camera', value: 'A' },
        { name: 'site', value: 'south' },
      ])
    } finally {
      s.close()
    }
  })
})
