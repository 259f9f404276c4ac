import fs from 'node:fs'
import path from 'node:path'
import sharp from 'sharp'
import { beforeAll, describe, expect, it } from 'vitest'
import { writeShapes } from '../../../main/cli/demo-shapes'
import { explain } from '../../../main/engine/explain/explain'
import { heatColour, overlayPng } from '../../../main/engine/explain/overlay'
import { StudioService } from '../../../main/engine/service'
import { Studio } from '../../../main/engine/studio'
import { studio as cli } from '../../helpers/cli'
import { tmpDir } from '../../helpers/fixtures'
import { trainInProcess } from '../../helpers/training'

const root = tmpDir()
let s: Studio
let runId: number

beforeAll(async () => {
  await writeShapes(path.join(root, 'shapes'), 12)
  s = Studio.init(path.join(root, 'proj'))
  await s.import(path.join(root, 'shapes'))
  runId = await trainInProcess(s, { epochs: 1, inputSize: 32 })
}, 120_000)

describe('explain a finished run', () => {
  it('maps a project image over the model input, for the predicted class, then from the cache', async () => {
    const img = s.store.images.page({ limit: 1 }).items[0]!
    const first = await explain(s, runId, String(img.id))
    expect(first.width).toBe(32)
    expect(first.height).toBe(32)
    expect(first.map).toHaveLength(32 * 32)
    expect(first.classes).toContain(first.className)
    expect(first.classIndex).toBe(first.probs.indexOf(Math.max(...first.probs)))
    expect(first.cached).toBe(false)
    const again = await explain(s, runId, String(img.id), first.className)
    expect(again.cached).toBe(true)
    // The cache keeps 3 decimals: half a step, plus float32 rounding of the values read back.
    expect(Math.max(...Array.from(again.map, (v, i) => Math.abs(v - first.map[i]!)))).toBeLessThanOrEqual(0.0005 + 1e-6)
  })

  it('explains a named class, case-insensitively, and refuses an unknown one by name', async () => {
    const img = s.store.images.page({ limit: 1 }).items[0]!
    const other = (await explain(s, runId, String(img.id))).classes.at(-1)!
    expect((await explain(s, runId, String(img.id), other.toUpperCase())).className).toBe(other)
    await expect(explain(s, runId, String(img.id), 'unicorn')).rejects.toThrow(/no class "unicorn"/)
  })

  it('explains a file from outside the project', async () => {
    const file = fs
      .readdirSync(path.join(root, 'shapes'), { recursive: true, withFileTypes: true })
      .find((e) => e.isFile())!
    const e = await explain(s, runId, path.join(file.parentPath, file.name))
    expect(e.file).toBe(path.join(file.parentPath, file.name))
  })

  it('says clearly when the image cannot be decoded or the model files are gone', async () => {
    const bad = path.join(root, 'bad.jpg')
    fs.writeFileSync(bad, Buffer.from('not an image at all'))
    await expect(explain(s, runId, bad)).rejects.toThrow(/bad\.jpg cannot be decoded/)
    const model = path.join(s.root, 'runs', String(runId), 'model')
    fs.renameSync(model, model + '.away')
    try {
      await expect(explain(s, runId, '1')).rejects.toThrow(/has no model files/)
    } finally {
      fs.renameSync(model + '.away', model)
    }
  })

  it('writes an overlay PNG through the CLI, the size of the image', () => {
    const img = s.store.images.page({ limit: 1 }).items[0]!
    const out = path.join(root, 'heat.png')
    s.close()
    const r = cli(['explain', String(runId), String(img.id), '--out', out, '--project', path.join(root, 'proj')])
    s = Studio.open(path.join(root, 'proj'))
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('heat.png')
    return sharp(out)
      .metadata()
      .then((m) => {
        expect(m.format).toBe('png')
        expect(Math.max(m.width!, m.height!)).toBe(512)
      })
  })
})

describe('the explain request', () => {
  it('answers the map as side² bytes for the page to draw', async () => {
    const img = s.store.images.page({ limit: 1 }).items[0]!
    const service = new StudioService(s, () => {})
    const e = await service.explain({ runId, imageId: img.id })
    expect(e.side).toBe(32)
    const bytes = Buffer.from(e.map, 'base64')
    expect(bytes).toHaveLength(32 * 32)
    expect(Math.max(...bytes)).toBe(255)
    expect(e.probs).toHaveLength(e.classes.length)
    expect(e.fit).toBe('cover')
    service.jobs.cancelAll()
  })
})

describe('overlay', () => {
  it('colours cold blue and hot red and lays the map over the image', async () => {
    const [r0, , b0] = heatColour(0)
    const [r1, , b1] = heatColour(1)
    expect(b0).toBeGreaterThan(r0)
    expect(r1).toBeGreaterThan(b1)
    const image = await sharp({
      create: { width: 200, height: 100, channels: 3, background: { r: 128, g: 128, b: 128 } },
    })
      .png()
      .toBuffer()
    const map = new Float32Array(16 * 16)
    map[8 * 16 + 8] = 1
    const png = await overlayPng(image, { map, width: 16, height: 16 }, { maxSide: 200 })
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true })
    expect([info.width, info.height]).toEqual([200, 100])
    // The centre is hot (red-ish), a corner outside the covered square keeps the image's grey.
    const at = (x: number, y: number) =>
      Array.from(data.subarray((y * 200 + x) * info.channels, (y * 200 + x) * info.channels + 3))
    expect(at(100, 50)[0]!).toBeGreaterThan(at(100, 50)[2]!)
    expect(at(5, 5)).toEqual([128, 128, 128])
  })
})
