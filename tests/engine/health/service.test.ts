import fs from 'node:fs'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { StudioEvent } from '../../../preload/contract'
import { REQUESTS } from '../../../main/engine/api/requests'
import { StudioService } from '../../../main/engine/service'
import { Studio } from '../../../main/engine/studio'
import { tmpDir } from '../../helpers/fixtures'
import { scene } from '../../helpers/scenes'

describe('the health report through the service', () => {
  const root = tmpDir()
  const events: StudioEvent[] = []
  let studio: Studio
  let service: StudioService

  beforeAll(async () => {
    const src = path.join(root, 'src')
    for (const cls of ['a', 'b']) fs.mkdirSync(path.join(src, cls), { recursive: true })
    for (let i = 0; i < 10; i++) {
      fs.writeFileSync(path.join(src, 'a', `a${i}.jpg`), await scene(700 + i))
      fs.writeFileSync(path.join(src, 'b', `b${i}.jpg`), await scene(800 + i))
    }
    await sharp(await scene(700))
      .resize(150)
      .toFile(path.join(src, 'b', 'copy-of-a0.jpg'))
    const init = Studio.init(path.join(root, 'proj'))
    // Imported as before signals existed.
    await init.import(src, { measureSignals: false })
    init.close()
    studio = Studio.open(path.join(root, 'proj'))
    service = new StudioService(studio, (e) => events.push(e))
  }, 120_000)

  afterAll(() => {
    service.cancelAll()
    studio.close()
  })

  it('opening the project starts the backfill; when it ends, the report has the near-duplicates', async () => {
    await new Promise<void>((resolve) => {
      const poll = () => (events.some((e) => e.type === 'job-finished') ? resolve() : setTimeout(poll, 20))
      poll()
    })
    expect(events.filter((e) => e.type === 'job-progress').every((e) => e.kind === 'backfill')).toBe(true)
    expect(events.find((e) => e.type === 'job-finished')).toMatchObject({ kind: 'backfill', status: 'done' })
    expect(events.some((e) => e.type === 'health-changed')).toBe(true)

    const r = await service.health(REQUESTS.health.parse({}))
    expect(r.pending).toBe(0)
    const group = [studio.image('a/a0.jpg').id, studio.image('b/copy-of-a0.jpg').id]
    expect(r.findings.find((f) => f.kind === 'near-duplicate')).toMatchObject({ count: 1, groups: [group] })
    const page = await service.images({ finding: 'near-duplicate' })
    expect(page.items.map((i) => i.id)).toEqual(group)
    expect(page.total).toBe(2)
  })

  it('says the report changed when labels change', async () => {
    const seen = events.length
    await service.setLabels({
      imageIds: [studio.image('b/copy-of-a0.jpg').id],
      classId: studio.labels.findClass('a').id,
    })
    expect(events.slice(seen).map((e) => e.type)).toEqual(['health-changed', 'labels-changed'])
  })

  it('the request shapes take the stable finding kinds only', () => {
    expect(REQUESTS.images.safeParse({ finding: 'outlier-blurry' }).success).toBe(true)
    expect(REQUESTS.images.safeParse({ finding: 'blurry' }).success).toBe(false)
    expect(REQUESTS.health.safeParse({ versionId: 2, useOriginSplits: true }).success).toBe(true)
  })
})
