import fs from 'node:fs'
import path from 'node:path'
import { parse } from 'csv-parse/sync'
import { beforeAll, describe, expect, it } from 'vitest'
import { csvCell, csvText } from '../../../main/engine/export-data/data-files'
import { exportData } from '../../../main/engine/export-data/export-data'
import { NameAllocator, safeName } from '../../../main/engine/export-data/names'
import { Studio } from '../../../main/engine/studio'
import { tmpDir } from '../../helpers/fixtures'
import { listFiles, makeExportProject } from './fixture'

const root = tmpDir('studio-export-formats-')
let project: Awaited<ReturnType<typeof makeExportProject>>
let runId: number

beforeAll(async () => {
  project = await makeExportProject(root)
  // A finished run whose predictions (written by hand) say "dog" for every image of the version.
  const s = Studio.open(project.dir)
  try {
    const store = s.store
    const items = store.datasets.items(project.versionId)
    runId = store.tx(() => {
      const id = store.runs.create({
        datasetVersion: project.versionId,
        preset: 'seed',
        config: '{}',
        createdAt: 'x',
        pid: 1,
      })
      store.runs.finish(id, 'done', 'y')
      const probs = Float32Array.from([0.2, 0.8])
      store.runs.replacePredictions(
        id,
        items.map((it) => ({ imageId: it.imageId, trueIndex: it.classIndex, predIndex: 1, confidence: 0.8, probs })),
      )
      return id
    })
  } finally {
    s.close()
  }
}, 60_000)

async function exportTo(name: string, opts: Parameters<typeof exportData>[2]) {
  const dest = path.join(root, name)
  const s = Studio.open(project.dir)
  try {
    return { dest, result: await exportData(s, dest, opts) }
  } finally {
    s.close()
  }
}

interface Task {
  data: { image: string; split?: string }
  annotations?: { result: { from_name: string; to_name: string; type: string; value: { choices: string[] } }[] }[]
  predictions?: { model_version: string; score: number; result: { value: { choices: string[] } }[] }[]
}

describe('Label Studio tasks', () => {
  it('carry the label as a choices annotation and the run’s prediction for pre-annotation', async () => {
    const { dest, result } = await exportTo('ls', { format: 'labelstudio', versionId: project.versionId, runId })
    const tasks = JSON.parse(fs.readFileSync(path.join(dest, 'tasks.json'), 'utf8')) as Task[]
    expect(tasks).toHaveLength(result.images)
    expect(result.predictions).toBe(result.images)
    for (const t of tasks) {
      expect(t.data.image).toMatch(/^\/data\/local-files\/\?d=images\/(train|val|test)\/[^/]+$/)
      const file = decodeURIComponent(t.data.image.slice('/data/local-files/?d='.length))
      expect(fs.existsSync(path.join(dest, file)), file).toBe(true)
      expect(t.data.split).toMatch(/^(train|val|test)$/)
      const [ann] = t.annotations!
      expect(ann!.result).toEqual([
        {
          from_name: 'label',
          to_name: 'image',
          type: 'choices',
          value: { choices: [expect.stringMatching(/^(cat|dog)$/)] },
        },
      ])
      expect(t.predictions).toHaveLength(1)
      expect(t.predictions![0]).toMatchObject({ model_version: `studio run ${runId}`, score: expect.closeTo(0.8, 5) })
      expect(t.predictions![0]!.result[0]!.value.choices).toEqual(['dog'])
    }
    const config = fs.readFileSync(path.join(dest, 'label-config.xml'), 'utf8')
    expect(config).toContain('<Image name="image" value="$image"/>')
    expect(config).toContain('<Choices name="label" toName="image" choice="single"')
    expect(config).toContain('<Choice value="cat"/>')
    expect(config).toContain('<Choice value="dog"/>')
  })

  it('of the current labels leave unlabeled images without an annotation', async () => {
    const { dest } = await exportTo('ls-current', { format: 'labelstudio' })
    const tasks = JSON.parse(fs.readFileSync(path.join(dest, 'tasks.json'), 'utf8')) as Task[]
    expect(tasks.filter((t) => !t.annotations)).toHaveLength(2)
    expect(tasks.every((t) => t.data.split === undefined && t.predictions === undefined)).toBe(true)
  })

  it('need a finished run, and only the labelstudio format takes one', async () => {
    const s = Studio.open(project.dir)
    try {
      await expect(exportData(s, path.join(root, 'x1'), { format: 'csv', runId })).rejects.toThrow(/Label Studio/)
      await expect(exportData(s, path.join(root, 'x2'), { format: 'labelstudio', runId: 999 })).rejects.toThrow(
        /run 999 does not exist/,
      )
      await expect(exportData(s, path.join(root, 'x3'), { versionId: 77 })).rejects.toThrow(/version 77/)
    } finally {
      s.close()
    }
    expect(fs.existsSync(path.join(root, 'x2'))).toBe(false)
  })
})

describe('COCO classification JSON', () => {
  it('has images, categories and one annotation per labeled image, with the split stated', async () => {
    const { dest, result } = await exportTo('coco', { format: 'coco', versionId: project.versionId })
    const coco = JSON.parse(fs.readFileSync(path.join(dest, 'annotations.json'), 'utf8')) as {
      info: { splits: string[] }
      categories: { id: number; name: string }[]
      images: { id: number; file_name: string; width: number; height: number; split: string }[]
      annotations: { id: number; image_id: number; category_id: number }[]
    }
    expect(coco.categories.map((c) => c.name).sort()).toEqual(['cat', 'dog'])
    expect(coco.images).toHaveLength(result.images)
    expect(coco.annotations).toHaveLength(result.images)
    expect(coco.info.splits).toEqual(['train', 'val', 'test'])
    const ids = new Set(coco.images.map((i) => i.id))
    const catIds = new Set(coco.categories.map((c) => c.id))
    expect(new Set(coco.annotations.map((a) => a.id)).size).toBe(coco.annotations.length)
    for (const a of coco.annotations) {
      expect(ids.has(a.image_id)).toBe(true)
      expect(catIds.has(a.category_id)).toBe(true)
    }
    for (const img of coco.images) {
      expect(fs.existsSync(path.join(dest, img.file_name))).toBe(true)
      expect(img.file_name.startsWith(`images/${img.split}/`)).toBe(true)
      expect(img.width).toBeGreaterThan(0)
    }
    const phone = coco.images.find((i) => i.file_name.includes('phone'))!
    expect([phone.width, phone.height]).toEqual([20, 40])
  })
})

describe('class folders', () => {
  it('leave unlabeled images out and say so; splits as a column go to splits.csv', async () => {
    const { dest, result } = await exportTo('flat', { versionId: project.versionId, splits: 'column' })
    expect(result.leftOut.unlabeled).toBe(0)
    const rows = parse(fs.readFileSync(path.join(dest, 'splits.csv'))) as string[][]
    expect(rows[0]).toEqual(['path', 'split'])
    expect(rows).toHaveLength(result.images + 1)
    expect(listFiles(dest).filter((f) => /^(cat|dog)\//.test(f))).toHaveLength(result.images)
    const { result: current } = await exportTo('current', {})
    expect(current.leftOut.unlabeled).toBe(2)
    expect(current.splits).toBeNull()
  })
})

describe('CSV cells', () => {
  it('neutralise what a spreadsheet would run as a formula', () => {
    for (const bad of ['=1+2', '+1', '-2', '@SUM(A1)', '\tx', '\rx', '=HYPERLINK("http://x")']) {
      const cell = csvCell(bad)
      const back = (parse(cell + '\n') as string[][])[0]?.[0]
      expect(back).toBe(`'${bad}`)
    }
    expect(csvCell('cat')).toBe('cat')
    expect(csvCell('a,b')).toBe('"a,b"')
    expect(csvCell('say "hi"')).toBe('"say ""hi"""')
    expect(csvCell(null)).toBe('')
  })

  it('are read back by csv-parse as written', () => {
    const text = csvText(['path', 'label'], [['images/a.jpg', 'x, "y"\nz']])
    expect(parse(text)).toEqual([
      ['path', 'label'],
      ['images/a.jpg', 'x, "y"\nz'],
    ])
  })
})

describe('export file names', () => {
  it('are portable', () => {
    expect(safeName('CON', 'x')).toBe('_CON')
    expect(safeName('lpt1.backup', 'x')).toBe('_lpt1.backup')
    expect(safeName('a<b>c:d"e/f\\g|h?i*j', 'x')).toBe('a_b_c_d_e_f_g_h_i_j')
    expect(safeName('..hidden', 'x')).toBe('__hidden')
    expect(safeName('trailing. . ', 'x')).toBe('trailing')
    expect(safeName('e\u0301', 'x')).toBe('\u00e9')
    expect(safeName('evil\u202egpj.exe', 'x')).toBe('evilgpj.exe')
    expect(safeName('\u0000\u0001', 'x')).toBe('__')
    expect(safeName('   ', 'fallback')).toBe('fallback')
    expect(Buffer.byteLength(safeName('ä'.repeat(500), 'x'))).toBeLessThanOrEqual(160)
  })

  it('never repeat in a folder, compared without case', () => {
    const n = new NameAllocator()
    n.reserve('', 'manifest.json')
    expect(n.file('', 'manifest', '.json', 'aa')).toBe('manifest-aa.json')
    expect(n.file('d', 'x', '.jpg', '11111111')).toBe('x.jpg')
    expect(n.file('d', 'X', '.jpg', '22222222')).toBe('X-22222222.jpg')
    expect(n.file('d', 'x', '.jpg', '22222222')).toBe('x-22222222-2.jpg')
    expect(n.file('e', 'x', '.jpg', '33333333')).toBe('x.jpg')
    expect(n.folder('', 'a:b')).toBe('a_b')
    expect(n.folder('', 'a_b')).toBe('a_b-2')
  })
})
