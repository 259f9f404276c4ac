import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dispatch } from '../../../main/engine/api/dispatch'
import { setAttribute } from '../../../main/engine/attributes/attributes'
import { AppSession } from '../../../main/engine/session'
import { tmpDir } from '../../helpers/fixtures'
import { insertSyntheticImages } from '../../helpers/synthetic'

// Browse's side of attributes through the transports' one dispatch: the images filter, the listing's
// "other" and "missing", setAttribute / clearAttribute with what each image had before, and refusals.
const root = tmpDir()
const session = new AppSession({ shell: 'browser', onEvent: () => {}, recentFile: path.join(root, 'recent.json') })
const log = () => {}
let ids: number[] = []

beforeAll(() => {
  session.open(path.join(root, 'proj'), true)
  const s = session.studio!
  insertSyntheticImages(s, 120)
  ids = s.store.images.page({ limit: 1000 }).items.map((i) => i.id)
  // site: 60 values; v00 on 12 images, v01–v59 on 1 or 2 each (v = 1 + k % 59); images 100–119 have none.
  setAttribute(s.store, ids.slice(0, 12), 'site', 'v00')
  for (let k = 12; k < 100; k++) setAttribute(s.store, [ids[k]!], 'site', `v${String(1 + (k % 59)).padStart(2, '0')}`)
})
afterAll(() => session.close(true))

const call = (method: 'images' | 'setAttribute' | 'clearAttribute' | 'attributes', payload: unknown) =>
  dispatch(session.api, method, payload, log)

describe('attribute requests', () => {
  it('lists the top 50 values, pools the rest as other and counts the images without one', async () => {
    const site = (await session.api.attributes()).find((a) => a.name === 'site')!
    expect(site.values).toHaveLength(50)
    expect(site.values[0]).toEqual({ value: 'v00', images: 12 })
    // v13–v41 have 2 images (k and k + 59), the others 1: the top 50 are v00, v13–v41, then by value
    // v01–v12 and v42–v49; other is v50–v59.
    expect(site.other).toEqual({ values: 10, images: 10 })
    expect(site.missing).toBe(20)
    const size = (await session.api.attributes()).find((a) => a.name === 'size')!
    expect(size).toMatchObject({ builtIn: true, other: null, missing: 0, values: [{ value: '128–511', images: 120 }] })
  })

  it('filters images by a value, no value and other; the total agrees with the items', async () => {
    const cases = [
      [{ name: 'site', value: 'v00' }, ids.slice(0, 12)],
      [{ name: 'SITE', value: null }, ids.slice(100)],
      [{ name: 'site', other: true }, ids.slice(12, 100).filter((_, j) => 1 + ((j + 12) % 59) >= 50)],
      [{ name: 'origin', value: 'train' }, ids.filter((_, k) => k % 2 === 1)],
    ] as const
    for (const [attribute, want] of cases) {
      const page = await session.api.images({ attribute, limit: 1000 })
      expect(page.items.map((i) => i.id)).toEqual(want)
      expect(page.total).toBe(want.length)
    }
  })

  it('sets and clears on a selection, answering each image’s value before (what Undo puts back)', async () => {
    const sel = [ids[0]!, ids[12]!, ids[110]!, ids[0]!]
    const set = await session.api.setAttribute({ imageIds: sel, name: ' Site ', value: ' north ' })
    expect(set).toEqual({
      name: 'site',
      value: 'north',
      changed: 3,
      before: [
        { value: 'v00', imageIds: [ids[0]] },
        { value: 'v13', imageIds: [ids[12]] },
        { value: null, imageIds: [ids[110]] },
      ],
    })
    expect((await session.api.images({ attribute: { name: 'site', value: 'north' } })).total).toBe(3)
    const cleared = await session.api.clearAttribute({ imageIds: [ids[0]!, ids[110]!], name: 'site' })
    expect(cleared).toMatchObject({
      value: null,
      changed: 2,
      before: [{ value: 'north', imageIds: [ids[0], ids[110]] }],
    })
    // Undo as the page does it: each group gets its value back.
    for (const g of set.before) {
      if (g.value === null) await session.api.clearAttribute({ imageIds: g.imageIds, name: 'site' })
      else await session.api.setAttribute({ imageIds: g.imageIds, name: 'site', value: g.value })
    }
    expect(session.studio!.store.attributes.valuesOf('site', [ids[0]!, ids[12]!, ids[110]!])).toEqual(
      new Map([
        [ids[0]!, 'v00'],
        [ids[12]!, 'v13'],
      ]),
    )
  })

  it('refuses built-in and malformed names, empty values, unknown images and bad filters, with the reason', async () => {
    const refused = async (method: Parameters<typeof call>[0], payload: unknown) => {
      const r = await call(method, payload)
      if (!('error' in r)) throw new Error(`${method} ${JSON.stringify(payload)} was accepted`)
      return `${r.error.name}: ${r.error.message}`
    }
    expect(await refused('setAttribute', { imageIds: [ids[0]], name: 'Brightness', value: 'x' })).toBe(
      'ValidationError: "brightness" is a built-in attribute name: its values are computed from each image, not set',
    )
    expect(await refused('clearAttribute', { imageIds: [ids[0]], name: 'origin' })).toMatch(/"origin" is a built-in/)
    expect(await refused('setAttribute', { imageIds: [ids[0]], name: 'a/b', value: 'x' })).toMatch(
      /ValidationError: .*only letters, digits/,
    )
    expect(await refused('setAttribute', { imageIds: [ids[0]], name: 'site', value: '  ' })).toMatch(/cannot be empty/)
    expect(await refused('setAttribute', { imageIds: [ids[0], 99999], name: 'site', value: 'x' })).toBe(
      'NotFoundError: no image 99999 in this project',
    )
    expect(await refused('setAttribute', { imageIds: [], name: 'site', value: 'x' })).toMatch(
      /^ValidationError: setAttribute: imageIds: /,
    )
    expect(await refused('images', { attribute: { name: 'site', value: 'x', other: true } })).toMatch(
      /^ValidationError: images: attribute: give either a value \(null: none\) or other: true/,
    )
    expect(await refused('images', { attribute: { name: 'site' } })).toMatch(/give either a value/)
    expect(await refused('images', { attribute: { name: 'site', other: false } })).toMatch(/^ValidationError: images/)
    // Nothing was written by the refused calls.
    expect(session.studio!.store.attributes.valuesOf('site', [ids[0]!]).get(ids[0]!)).toBe('v00')
  })
})
