import fs from 'node:fs'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeShapes } from '../../../main/cli/demo-shapes'
import { describeIssue, REQUEST_SCHEMAS } from '../../../main/engine/api/schemas'
import { StudioService } from '../../../main/engine/service'
import { Studio } from '../../../main/engine/studio'
import { tmpDir } from '../../helpers/fixtures'
import { trainInProcess } from '../../helpers/training'

/** The `explain` request for a file uploaded to "Try the model" (bytes, not a project image). */
const root = tmpDir()
let s: Studio
let service: StudioService
let runId: number

beforeAll(async () => {
  await writeShapes(path.join(root, 'shapes'), 12)
  s = Studio.init(path.join(root, 'proj'))
  await s.import(path.join(root, 'shapes'))
  runId = await trainInProcess(s, { epochs: 1, inputSize: 32 })
  service = new StudioService(s, () => {})
}, 120_000)
afterAll(() => service?.jobs.cancelAll())

const firstImage = () => s.store.images.page({ limit: 1 }).items[0]!
const upload = (name: string, data: Buffer) => ({ name, dataBase64: data.toString('base64') })

describe('explain an uploaded file', () => {
  it('maps the bytes like the same image in the project, and caches by content', async () => {
    const img = firstImage()
    const bytes = fs.readFileSync(s.originalPath(img))
    const fromFile = await service.explain({ runId, file: upload('dropped.png', bytes) })
    expect(fromFile.imageId).toBeNull()
    expect(fromFile.name).toBe('dropped.png')
    expect(fromFile.side).toBe(32)
    const fromProject = await service.explain({ runId, imageId: img.id, className: fromFile.className })
    expect(fromProject.imageId).toBe(img.id)
    expect(fromProject.name).toBe(img.originalName)
    // Same bytes, same class: the project image is answered from the upload's cache entry.
    expect(fromProject.cached).toBe(true)
    // The cache keeps 3 digits: a byte may differ by one.
    const a = Buffer.from(fromFile.map, 'base64')
    const b = Buffer.from(fromProject.map, 'base64')
    expect(b).toHaveLength(a.length)
    expect(Math.max(...a.map((v, i) => Math.abs(v - b[i]!)))).toBeLessThanOrEqual(1)
    expect(fromProject.classIndex).toBe(fromFile.classIndex)
  })

  it('explains another class of the upload on request, and the map differs', async () => {
    const bytes = fs.readFileSync(s.originalPath(firstImage()))
    const predicted = await service.explain({ runId, file: upload('a.png', bytes) })
    const other = predicted.classes.find((c) => c !== predicted.className)!
    const e = await service.explain({ runId, file: upload('a.png', bytes), className: other })
    expect(e.className).toBe(other)
    expect(e.map).not.toBe(predicted.map)
  })

  it('answers the overlay PNG at the image’s own size, the map over its centre square (cover)', async () => {
    const grey = { r: 128, g: 128, b: 128 }
    const wide = await sharp({ create: { width: 90, height: 60, channels: 3, background: grey } })
      .png()
      .toBuffer()
    const e = await service.explain({ runId, file: upload('wide.png', wide), overlayOpacity: 0.8 })
    expect(e.fit).toBe('cover')
    const png = Buffer.from(e.png!, 'base64')
    expect((await sharp(png).metadata()).format).toBe('png')
    const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true })
    expect([info.width, info.height]).toEqual([90, 60])
    const at = (x: number, y: number) => Array.from(data.subarray((y * 90 + x) * 3, (y * 90 + x) * 3 + 3))
    // Left of the centre 60 × 60 square nothing was laid over the image.
    expect(at(5, 30)).toEqual([128, 128, 128])
    // Without overlayOpacity no PNG is made.
    expect((await service.explain({ runId, file: upload('wide.png', wide) })).png).toBeUndefined()
  })

  it('says which upload cannot be decoded', async () => {
    await expect(
      service.explain({ runId, file: upload('notes.jpg', Buffer.from('not an image at all')) }),
    ).rejects.toThrow(/notes\.jpg cannot be decoded/)
  })

  it('says clearly when a project image’s original is gone', async () => {
    const img = s.store.images.page({ limit: 2 }).items[1]!
    const file = s.originalPath(img)
    fs.renameSync(file, file + '.away')
    try {
      await expect(service.explain({ runId, imageId: img.id })).rejects.toThrow(
        /original of .* is missing .*cannot be explained/,
      )
    } finally {
      fs.renameSync(file + '.away', file)
    }
  })
})

describe('the explain request shape', () => {
  /** What both transports answer to a payload: null when accepted, else the one-line refusal. */
  const refusal = (payload: unknown) => {
    const r = REQUEST_SCHEMAS.explain.safeParse(payload)
    return r.success ? null : describeIssue('explain', r.error)
  }

  it('takes exactly one of imageId and file, and an upload no larger than predict’s', () => {
    const file = upload('x.png', Buffer.from('x'))
    expect(refusal({ runId: 1, imageId: 1 })).toBeNull()
    expect(refusal({ runId: 1, file, className: 'cat', overlayOpacity: 0.5 })).toBeNull()
    expect(refusal({ runId: 1, imageId: 1, file })).toMatch(/exactly one of imageId and file/)
    expect(refusal({ runId: 1 })).toMatch(/exactly one of imageId and file/)
    expect(refusal({ runId: 1, file: { name: 'x', dataBase64: 'A'.repeat(9_000_004) } })).toMatch(/file\.dataBase64/)
    expect(refusal({ runId: 1, imageId: 1, overlayOpacity: 2 })).toMatch(/overlayOpacity/)
    expect(refusal({ runId: 1, file: { ...file, path: '/etc/passwd' } })).toMatch(/file/)
  })
})
