import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { writeShapes } from '../../../main/cli/demo-shapes'
import { setAttribute } from '../../../main/engine/attributes/attributes'
import { StudioService } from '../../../main/engine/service'
import { Studio } from '../../../main/engine/studio'
import { tmpDir } from '../../helpers/fixtures'
import { trainInProcess } from '../../helpers/training'

const root = tmpDir()
let s: Studio
let service: StudioService
let runId: number

beforeAll(async () => {
  await writeShapes(path.join(root, 'shapes'), 12)
  s = Studio.init(path.join(root, 'proj'))
  await s.import(path.join(root, 'shapes'))
  runId = await trainInProcess(s, { epochs: 1, inputSize: 24 })
  const ids = s.store.images.page({ limit: 1000 }).items.map((i) => i.id)
  setAttribute(
    s.store,
    ids.filter((_, i) => i % 2 === 0),
    'site',
    'north',
  )
  setAttribute(
    s.store,
    ids.filter((_, i) => i % 2 === 1),
    'site',
    'south',
  )
  service = new StudioService(s, () => {})
}, 120_000)

describe('attributes and slices through the service', () => {
  it('lists stored and built-in attributes with their values', async () => {
    const list = await service.attributes()
    const site = list.find((a) => a.name === 'site')!
    expect(site.builtIn).toBe(false)
    expect(site.values.map((v) => v.value).sort()).toEqual(['north', 'south'])
    expect(list.some((a) => a.builtIn && a.name === 'origin')).toBe(true)
  })

  it('splits the run’s evaluation by an attribute, supports adding up to the whole', async () => {
    const r = await service.slices({ runId, attribute: 'site' })
    expect(r.attribute).toBe('site')
    expect(r.slices.map((x) => x.value).sort()).toEqual(['north', 'south'])
    expect(r.slices.reduce((a, x) => a + x.support, 0)).toBe(r.overall.support)
    for (const x of r.slices) expect(x.gap).toBeCloseTo(x.accuracy - r.overall.accuracy)
    const eo = await service.slices({ runId, attribute: 'site', className: r.classes[0]! })
    expect(eo.equalOpportunity?.class).toBe(r.classes[0])
    await expect(service.slices({ runId, attribute: 'site', className: 'unicorn' })).rejects.toThrow(/unicorn/)
  })
})
