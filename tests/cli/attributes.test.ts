import { beforeAll, describe, expect, it } from 'vitest'
import { Studio } from '../../main/engine/studio'
import { studio as cli, studioJson } from '../helpers/cli'
import { tmpDir } from '../helpers/fixtures'
import { makeAttributeProject } from '../engine/attributes/fixtures'

// `studio attr` and `studio eval --by` as a user runs them, on eight images imported from a CSV
// with site/camera columns and a run whose predictions are known (see the fixture's table).
const root = tmpDir()
// Each command is a fresh Node process; on a loaded machine a handful of them outlast the default timeout.
const SLOW = 300_000
let proj = ''
let runId = 0

beforeAll(async () => {
  ;({ dir: proj, runId } = await makeAttributeProject(root))
}, 60_000)

const SLICE_KEYS = ['value', 'support', 'accuracy', 'accuracyCi', 'macroRecall', 'macroF1', 'ece', 'gap']

interface AttrList {
  attributes: { name: string; builtIn: boolean; values: { value: string; images: number }[] }[]
}

interface ByAttribute {
  attribute: string
  overall: Record<string, unknown>
  slices: Record<string, unknown>[]
  equalOpportunity?: { class: string; gap: number; slices: { value: string; recall: number | null }[] }
}

describe('studio eval --by', () => {
  it(
    'prints the documented JSON: attribute, overall, slices worst first with exactly the documented keys',
    () => {
      const out = studioJson<ByAttribute>(['eval', String(runId), '--by', 'site', '-p', proj])
      expect(Object.keys(out)).toEqual(['attribute', 'overall', 'slices'])
      expect(out.attribute).toBe('site')
      expect(out.overall).toMatchObject({ support: 8, accuracy: 0.75 })
      for (const s of out.slices) {
        expect(Object.keys(s)).toEqual(SLICE_KEYS)
      }
      expect(out.slices.map((s) => [s.value, s.support, s.accuracy])).toEqual([
        ['south', 3, 1 / 3],
        ['north', 4, 1],
        ['(none)', 1, 1],
      ])
      const ci = out.slices[2]!.accuracyCi as number[]
      expect(ci[0]).toBeCloseTo(0.2065, 3)
      expect(ci[1]).toBe(1)
      expect(out.slices[0]!.gap).toBeCloseTo(1 / 3 - 0.75, 10)
    },
    SLOW,
  )

  it(
    '--class adds equal opportunity: the class’s recall per value and the largest gap',
    () => {
      const out = studioJson<ByAttribute>(['eval', String(runId), '--by', 'site', '--class', 'cat', '-p', proj])
      expect(Object.keys(out)).toEqual(['attribute', 'overall', 'slices', 'equalOpportunity'])
      expect(out.equalOpportunity).toMatchObject({ class: 'cat', gap: 0.5 })
      expect(out.equalOpportunity!.slices.map((s) => [s.value, s.recall])).toEqual([
        ['south', 0.5],
        ['north', 1],
        ['(none)', null],
      ])
    },
    SLOW,
  )

  it(
    'the text output marks slices too small to conclude; built-in attributes work',
    () => {
      const r = cli(['eval', String(runId), '--by', 'origin', '-p', proj])
      expect(r.code).toBe(0)
      expect(r.stdout).toMatch(/by origin \(8 images\): accuracy 75\.0 %/)
      const rows = r.stdout.split('\n').filter((l) => /^(a|b) /.test(l))
      expect(rows.map((l) => l.split(/\s+/)[0])).toEqual(['b', 'a'])
      expect(rows.every((l) => l.includes('too few images to conclude'))).toBe(true)
    },
    SLOW,
  )

  it(
    'an unknown attribute or class, or --class without --by: a clear error, exit 1',
    () => {
      const bad = cli(['eval', String(runId), '--by', 'weather', '-p', proj, '--json'])
      expect(bad.code).toBe(1)
      expect(JSON.parse(bad.stdout).error.message).toMatch(/no attribute "weather" \(attributes: origin, batch, size/)
      const cls = cli(['eval', String(runId), '--by', 'site', '--class', 'bird', '-p', proj])
      expect(cls.code).toBe(1)
      expect(cls.stderr).toMatch(/has no class "bird"/)
      const alone = cli(['eval', String(runId), '--class', 'cat', '-p', proj])
      expect(alone.code).toBe(1)
      expect(alone.stderr).toMatch(/--class needs --by/)
    },
    SLOW,
  )
})

describe('studio attr', () => {
  it(
    'set by id, hash prefix or path; list; clear — and eval --by follows',
    () => {
      const s = Studio.open(proj)
      const hash = s.image('pics/img-003.jpg').hash
      s.close()
      expect(studioJson(['attr', 'set', 'Site=west', 'pics/img-007.jpg', hash.slice(0, 8), '-p', proj])).toEqual({
        name: 'site',
        value: 'west',
        changed: 2,
      })
      const list = studioJson<AttrList>(['attr', 'list', '-p', proj])
      const names = ['origin', 'batch', 'size', 'colour', 'brightness', 'camera', 'site']
      expect(list.attributes.map((a) => a.name)).toEqual(names)
      // Most common first, ties by value.
      expect(list.attributes.find((a) => a.name === 'site')!.values).toEqual([
        { value: 'north', images: 3 },
        { value: 'south', images: 3 },
        { value: 'west', images: 2 },
      ])
      // studio images --attr: the same filter as Browse's (name= for images without a value).
      type Images = { total: number; images: { path: string }[] }
      const west = studioJson<Images>(['images', '--attr', 'site=west', '-p', proj])
      expect(west.images.map((i) => i.path).sort()).toEqual(['pics/img-003.jpg', 'pics/img-007.jpg'])
      expect(west.total).toBe(2)
      const total = studioJson<Images>(['images', '-p', proj]).total
      expect(studioJson<Images>(['images', '--attr', 'SITE=', '-p', proj]).total).toBe(total - 8)
      expect(cli(['images', '--attr', 'site', '-p', proj]).stderr).toMatch(/--attr takes name=value/)
      const by = studioJson<ByAttribute>(['eval', String(runId), '--by', 'site', '-p', proj])
      expect(by.slices.map((s) => [s.value, s.support])).toEqual([
        ['south', 3],
        ['north', 3],
        ['west', 2],
      ])
      expect(studioJson(['attr', 'clear', 'site', 'pics/img-007.jpg', hash.slice(0, 8), '-p', proj])).toEqual({
        name: 'site',
        changed: 2,
      })
      const one = studioJson<{ attributes: { name: string }[] }>(['attr', 'list', 'site', '-p', proj])
      expect(one.attributes.map((a) => a.name)).toEqual(['site'])
      const refused = cli(['attr', 'set', 'size=big', 'pics/img-000.jpg', '-p', proj])
      expect(refused.code).toBe(1)
      expect(refused.stderr).toMatch(/"size" is a built-in attribute name/)
      expect(cli(['attr', 'set', 'site', 'pics/img-000.jpg', '-p', proj]).stderr).toMatch(/expected name=value/)
    },
    SLOW,
  )
})
