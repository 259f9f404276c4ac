import { describe, expect, it } from 'vitest'
import type { ImportErrorDto } from '../../preload/contract'
import { normalizeRows } from '../../renderer/src/composables/evaluation'
import { groupErrors, when } from '../../renderer/src/composables/import-errors'
import { bars, toBase64 } from '../../renderer/src/composables/try-model'

const err = (batch: number, path: string): ImportErrorDto => ({
  batch,
  path,
  reason: 'not a recognised image',
  source: `/data/import-${batch}`,
  startedAt: `2026-11-2${batch}T10:00:00.000Z`,
})

describe('import errors by import', () => {
  it('groups by batch, newest import first, keeping each group’s order', () => {
    const groups = groupErrors([err(1, 'a.jpg'), err(2, 'b.jpg'), err(1, 'c.jpg')])
    expect(groups.map((g) => [g.batch, g.source, g.errors.map((e) => e.path)])).toEqual([
      [2, '/data/import-2', ['b.jpg']],
      [1, '/data/import-1', ['a.jpg', 'c.jpg']],
    ])
    expect(groupErrors([])).toEqual([])
  })

  it('writes the start time as date and minutes', () => {
    expect(when('2026-11-21T10:00:00.000Z')).toMatch(/^2026-11-2\d \d\d:\d\d$/)
    expect(when('not a date')).toBe('not a date')
  })
})

describe('normalised confusion matrix', () => {
  it('turns each row into shares of its true class; an empty row stays zeros', () => {
    expect(
      normalizeRows([
        [3, 1],
        [0, 0],
        [1, 4],
      ]),
    ).toEqual([
      [0.75, 0.25],
      [0, 0],
      [0.2, 0.8],
    ])
  })
})

describe('try the model', () => {
  it('makes one bar per class in the run’s order, marking the predicted one', () => {
    const p = {
      name: 'x.jpg',
      label: 'dog',
      confidence: 0.8,
      classes: [
        { name: 'cat', probability: 0.15 },
        { name: 'dog', probability: 0.8 },
        { name: 'fox', probability: 0.05 },
      ],
    }
    expect(bars(p)).toEqual([
      { name: 'cat', percent: 15, best: false },
      { name: 'dog', percent: 80, best: true },
      { name: 'fox', percent: 5, best: false },
    ])
  })

  it('encodes bytes as base64 in chunks, also past the spread limit', () => {
    const bytes = new Uint8Array(200_000).map((_, i) => (i * 7) % 256)
    const back = Uint8Array.from(atob(toBase64(bytes)), (c) => c.charCodeAt(0))
    expect(back).toEqual(bytes)
    expect(toBase64(new Uint8Array([104, 105]))).toBe('aGk=')
    expect(toBase64(new Uint8Array())).toBe('')
  })
})
