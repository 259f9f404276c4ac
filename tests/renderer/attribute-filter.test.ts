import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { AttributeDto } from '../../preload/contract'
import {
  attributeFromRoute,
  attributeMessage,
  attributeQuery,
  attributeToRoute,
  valueOptions,
} from '../../renderer/src/composables/attribute-filter'
import { DEFAULT_FILTER, filterToQuery } from '../../renderer/src/composables/filters'
import { inverse } from '../../renderer/src/composables/undo-stack'
import { useBrowseStore } from '../../renderer/src/stores/browse'
import { useLabelHistory } from '../../renderer/src/stores/history'
import { fake, settle } from './fake-api'

vi.mock('../../renderer/src/api', () => import('./fake-api').then((m) => m.apiModule))

const requests = {
  images: vi.fn(),
  classes: vi.fn(),
  attributes: vi.fn(),
  setAttribute: vi.fn(),
  clearAttribute: vi.fn(),
  undo: vi.fn(),
}
Object.assign(fake.api, requests)

const site: AttributeDto = {
  name: 'site',
  builtIn: false,
  description: null,
  images: 9,
  values: [
    { value: 'north', images: 5 },
    { value: 'south', images: 3 },
  ],
  other: { values: 12, images: 40 },
  missing: 7,
}

describe('the attribute filter in the toolbar and the address', () => {
  it('makes the images query from a name and a value key; nothing until both are chosen', () => {
    expect(attributeQuery('site', 'v:north')).toEqual({ name: 'site', value: 'north' })
    expect(attributeQuery('site', 'v:other')).toEqual({ name: 'site', value: 'other' })
    expect(attributeQuery('site', 'other')).toEqual({ name: 'site', other: true })
    expect(attributeQuery('site', 'none')).toEqual({ name: 'site', value: null })
    expect(attributeQuery('site', null)).toBeUndefined()
    expect(attributeQuery(null, 'v:north')).toBeUndefined()
    const q = filterToQuery({ ...DEFAULT_FILTER, attrName: 'brightness', attrValue: 'v:dark' })
    expect(q.attribute).toEqual({ name: 'brightness', value: 'dark' })
    expect(filterToQuery({ ...DEFAULT_FILTER, attrName: 'site' })).not.toHaveProperty('attribute')
  })

  it('offers the values with counts, then other and no value; keeps a value the address names', () => {
    expect(valueOptions(site)).toEqual([
      { key: 'v:north', label: 'north (5)' },
      { key: 'v:south', label: 'south (3)' },
      { key: 'other', label: 'other: 12 values (40)' },
      { key: 'none', label: 'no value (7)' },
    ])
    const builtIn = { ...site, builtIn: true, other: null, missing: 0 }
    expect(valueOptions(builtIn).map((o) => o.key)).toEqual(['v:north', 'v:south'])
    expect(valueOptions(site, 'v:east').at(-1)).toEqual({ key: 'v:east', label: 'east' })
    expect(valueOptions(undefined, 'v:east')).toEqual([{ key: 'v:east', label: 'east' }])
  })

  it('round-trips through the address: ?attr=site&value=north, &other, &none', () => {
    for (const key of ['v:north', 'v:a b=c', 'other', 'none', null] as const) {
      const route = attributeToRoute('site', key)
      expect(attributeFromRoute(route)).toEqual({ name: 'site', key })
    }
    expect(attributeToRoute('site', 'v:north')).toEqual({ attr: 'site', value: 'north' })
    expect(attributeToRoute('site', 'other')).toEqual({ attr: 'site', other: null })
    expect(attributeToRoute(null, 'v:north')).toEqual({})
    expect(attributeFromRoute({ finding: 'near-duplicate' })).toEqual({ name: null, key: null })
    expect(attributeFromRoute({ attr: ['site', 'x'], value: ['north'] })).toEqual({ name: 'site', key: 'v:north' })
  })

  it('says what a set or clear did', () => {
    const set = { name: 'site', value: 'north', changed: 2, before: [] }
    expect(attributeMessage(set, 3)).toBe('site = north on 3 images (1 had it already)')
    expect(attributeMessage({ ...set, changed: 1 }, 1)).toBe('site = north on 1 image')
    expect(attributeMessage({ ...set, value: null, changed: 1 }, 3)).toBe('site cleared from 3 images (2 had none)')
  })
})

describe('Set attribute on a selection, and Undo', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    vi.clearAllMocks()
    requests.images.mockResolvedValue({ items: [], nextCursor: null, total: 0 })
    requests.classes.mockResolvedValue([])
    requests.attributes.mockResolvedValue([site])
  })

  it('sets on the selected images; Undo gives each its value back, Redo sets again', async () => {
    const store = useBrowseStore()
    const history = useLabelHistory()
    store.selected = new Set([1, 2, 3])
    requests.setAttribute.mockResolvedValue({
      name: 'site',
      value: 'north',
      changed: 2,
      before: [
        { value: 'north', imageIds: [1] },
        { value: 'south', imageIds: [2] },
        { value: null, imageIds: [3] },
      ],
    })
    await store.changeAttribute('Site', 'north')
    expect(requests.setAttribute).toHaveBeenCalledWith({ imageIds: [1, 2, 3], name: 'Site', value: 'north' })
    expect(history.message).toBe('site = north on 3 images (1 had it already)')
    expect(requests.attributes).toHaveBeenCalled()
    expect(requests.images).toHaveBeenCalled()

    await history.undoRedo('undo')
    await settle()
    expect(requests.setAttribute).toHaveBeenCalledWith({ imageIds: [1], name: 'site', value: 'north' })
    expect(requests.setAttribute).toHaveBeenCalledWith({ imageIds: [2], name: 'site', value: 'south' })
    expect(requests.clearAttribute).toHaveBeenCalledWith({ imageIds: [3], name: 'site' })
    expect(history.message).toBe('Undid the change of site')

    requests.setAttribute.mockClear()
    await history.undoRedo('redo')
    expect(requests.setAttribute).toHaveBeenCalledExactlyOnceWith({ imageIds: [1, 2, 3], name: 'site', value: 'north' })
  })

  it('a refused name rejects with the engine’s reason and leaves nothing to undo', async () => {
    const store = useBrowseStore()
    store.selected = new Set([4])
    requests.setAttribute.mockRejectedValue(new Error('"size" is a built-in attribute name'))
    await expect(store.changeAttribute('size', 'big')).rejects.toThrow(/built-in/)
    // Undo finds nothing of this page's and goes to the engine's label log.
    requests.undo.mockResolvedValue(null)
    await useLabelHistory().undoRedo('undo')
    expect(requests.undo).toHaveBeenCalledOnce()
    expect(requests.clearAttribute).not.toHaveBeenCalled()
    const change = { kind: 'attribute' as const, name: 'a', from: [{ value: null, imageIds: [1] }], to: [] }
    expect(inverse(change)).toEqual({ kind: 'attribute', name: 'a', from: [], to: [{ value: null, imageIds: [1] }] })
  })
})
