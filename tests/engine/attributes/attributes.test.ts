import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  attributeValues,
  clearAttribute,
  listAttributes,
  normalizeName,
  setAttribute,
} from '../../../main/engine/attributes/attributes'
import { evaluateByAttribute } from '../../../main/engine/attributes/by-attribute'
import { DERIVED } from '../../../main/engine/attributes/derived'
import { Studio } from '../../../main/engine/studio'
import { OUTLIER } from '../../../main/engine/health/findings'
import { GRAYSCALE_SPREAD } from '../../../main/engine/store'
import { tmpDir } from '../../helpers/fixtures'
import { makeAttributeProject } from './fixtures'

const root = tmpDir()
let dir = ''
let runId = 0
let ids: number[] = []

beforeAll(async () => {
  ;({ dir, runId, ids } = await makeAttributeProject(root))
}, 60_000)

function withStudio<T>(fn: (s: Studio) => T): T {
  const s = Studio.open(dir)
  try {
    return fn(s)
  } finally {
    s.close()
  }
}

describe('attributes from a CSV', () => {
  it('extra columns become attributes (names in lower case, empty cells none); path,label,origin still work', () =>
    withStudio((s) => {
      expect(s.store.attributes.ofImage(ids[0]!)).toEqual([
        { name: 'camera', value: 'A' },
        { name: 'site', value: 'north' },
      ])
      expect(s.store.attributes.ofImage(ids[7]!)).toEqual([{ name: 'camera', value: 'A' }])
      expect(s.image(ids[4]!)).toMatchObject({ origin: 'b', className: 'cat' })
      expect(s.importErrors()).toEqual([])
      expect(Object.fromEntries(attributeValues(s.store, 'Site', ids))).toEqual(
        Object.fromEntries(ids.map((id, i) => [id, i < 4 ? 'north' : i < 7 ? 'south' : '(none)'])),
      )
    }))
})

describe('set, clear and list', () => {
  it('sets and clears one attribute on a selection; names are case-insensitive; built-in names are refused', () =>
    withStudio((s) => {
      expect(setAttribute(s.store, [ids[7]!, ids[7]!], 'SITE', ' west ')).toBe(1)
      expect(setAttribute(s.store, [ids[7]!], 'site', 'west')).toBe(0)
      expect(s.store.attributes.valuesOf('site', [ids[7]!]).get(ids[7]!)).toBe('west')
      expect(clearAttribute(s.store, [ids[7]!, ids[0]!], 'Site')).toBe(2)
      expect(clearAttribute(s.store, [ids[7]!], 'site')).toBe(0)
      expect(setAttribute(s.store, [ids[0]!], 'site', 'north')).toBe(1)
      expect(() => setAttribute(s.store, [ids[0]!], 'size', 'big')).toThrow(/"size" is a built-in attribute name/)
      expect(() => setAttribute(s.store, [ids[0]!], 'site', '  ')).toThrow(/cannot be empty/)
      expect(() => normalizeName('a/b')).toThrow(/only letters, digits/)
    }))

  it('lists the built-ins over every image and the stored attributes with their value counts', () =>
    withStudio((s) => {
      const list = listAttributes(s.store)
      expect(list.map((a) => [a.name, a.builtIn, a.images])).toEqual([
        ['origin', true, 8],
        ['batch', true, 8],
        ['size', true, 8],
        ['colour', true, 8],
        ['brightness', true, 8],
        ['camera', false, 8],
        ['site', false, 7],
      ])
      const by = Object.fromEntries(list.map((a) => [a.name, a.values]))
      expect(by.origin).toEqual([
        { value: 'a', images: 4 },
        { value: 'b', images: 4 },
      ])
      expect(by.size).toEqual([{ value: '<128', images: 8 }])
      expect(by.site).toEqual([
        { value: 'north', images: 4 },
        { value: 'south', images: 3 },
      ])
      expect(() => attributeValues(s.store, 'weather', ids)).toThrow(
        /no attribute "weather" \(attributes: origin, .*camera, site\)/,
      )
    }))
})

describe('derived attributes', () => {
  interface Facts {
    origin: string | null
    batchId: number | null
    width: number
    height: number
    brightness: number | null
    colourfulness: number | null
  }
  const base: Facts = { origin: null, batchId: 3, width: 640, height: 480, brightness: 100, colourfulness: 30 }
  let s: Studio
  let n = 0

  beforeAll(() => {
    s = Studio.init(path.join(root, 'derived'))
    s.store.db.exec(
      `INSERT INTO import_batches (id, source, kind, status, started_at) VALUES (3, '/x', 'flat', 'done', 'now')`,
    )
  })

  /** The built-in's value of an image row with these columns, as the store computes it (SQL). */
  const of = (name: string, f: Partial<Facts>) => {
    const v = { ...base, ...f }
    const hash = (++n).toString(16).padStart(64, '0')
    const id = s.store.images.insert({
      hash,
      originalName: `${n}.png`,
      relPath: `${n}.png`,
      ext: '.png',
      format: 'png',
      width: v.width,
      height: v.height,
      bytes: 1,
      origin: v.origin,
      batchId: v.batchId,
      importedAt: 'now',
    })
    s.store.db
      .prepare('UPDATE images SET brightness = ?, colourfulness = ? WHERE id = ?')
      .run(v.brightness, v.colourfulness, id)
    return attributeValues(s.store, name, [id]).get(id)
  }

  it('size by the shorter side, grayscale below a spread of 4, brightness in thirds, unknown unmeasured', () => {
    expect([127, 128, 511, 512, 1023, 1024].map((h) => of('size', { width: 4000, height: h }))).toEqual([
      '<128',
      '128–511',
      '128–511',
      '512–1023',
      '512–1023',
      '≥1024',
    ])
    expect([3.9, 4, null].map((c) => of('colour', { colourfulness: c }))).toEqual(['grayscale', 'colour', 'unknown'])
    expect([0, 84.9, 85, 169.9, 170, 255, null].map((b) => of('brightness', { brightness: b }))).toEqual([
      'dark',
      'dark',
      'medium',
      'medium',
      'bright',
      'bright',
      'unknown',
    ])
    const tags = [of('origin', {}), of('origin', { origin: 'train' }), of('batch', {}), of('batch', { batchId: null })]
    expect(tags).toEqual(['(none)', 'train', '#3', 'unknown'])
  })

  it('calls grayscale what the health report calls grayscale', () => {
    expect(GRAYSCALE_SPREAD).toBe(OUTLIER.grayscaleSpread)
    expect(DERIVED.find((d) => d.name === 'colour')!.description).toContain(`under ${OUTLIER.grayscaleSpread}/255`)
  })
})

describe('evaluateByAttribute', () => {
  it('per site: worst first with the known accuracies and gaps; a one-image slice works', () =>
    withStudio((s) => {
      const r = evaluateByAttribute(s.store, runId, 'site')
      expect(r).toMatchObject({ run: runId, attribute: 'site', split: 'test', classes: ['cat', 'dog'] })
      expect(r.overall).toMatchObject({ support: 8, accuracy: 0.75 })
      expect(r.slices.map((x) => [x.value, x.support, x.accuracy, x.gap])).toEqual([
        ['south', 3, 1 / 3, 1 / 3 - 0.75],
        ['north', 4, 1, 0.25],
        ['(none)', 1, 1, 0.25],
      ])
      // south: cat recall 1/2, dog recall 0 → macro recall 1/4.
      const south = r.slices[0]!
      expect(south.macroRecall).toBeCloseTo(0.25, 10)
      // cat: tp 1, predicted cat 2 (img 4, 5) → p .5, r .5, F1 .5; dog: tp 0 → 0.
      expect(south.macroF1).toBeCloseTo(0.25, 10)
      // Confidence .85 right, .75 and .75 wrong: 1/3 × |1 − .85| + 2/3 × |0 − .75|.
      expect(south.ece).toBeCloseTo(0.05 + 0.5, 5)
      expect(r.slices.every((x) => x.small)).toBe(true)
      expect(r.equalOpportunity).toBeUndefined()
    }))

  it('equal opportunity for a class; built-in attributes; unknown class and run are clear errors', () =>
    withStudio((s) => {
      const eo = evaluateByAttribute(s.store, runId, 'site', 'Cat').equalOpportunity!
      expect(eo).toMatchObject({ class: 'cat', overallRecall: 0.75, gap: 0.5 })
      expect(eo.slices.map((x) => [x.value, x.support, x.recall])).toEqual([
        ['south', 2, 0.5],
        ['north', 2, 1],
        ['(none)', 0, null],
      ])
      const origin = evaluateByAttribute(s.store, runId, 'origin')
      expect(origin.slices.map((x) => [x.value, x.accuracy])).toEqual([
        ['b', 0.5],
        ['a', 1],
      ])
      expect(evaluateByAttribute(s.store, runId, 'size').slices.map((x) => x.value)).toEqual(['<128'])
      expect(() => evaluateByAttribute(s.store, runId, 'site', 'bird')).toThrow(
        /has no class "bird" \(classes: cat, dog\)/,
      )
      expect(() => evaluateByAttribute(s.store, 99, 'site')).toThrow(/run 99 does not exist/)
    }))
})
