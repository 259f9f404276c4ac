import { describe, expect, it } from 'vitest'
import { filterToQuery, DEFAULT_FILTER } from '../../renderer/src/composables/filters'
import {
  DEFAULT_BINDINGS,
  keyAction,
  keyLabel,
  keyName,
  moveFocus,
  ownsKeys,
  parseBindings,
  rangeSelection,
  rebind,
} from '../../renderer/src/composables/useKeyboard'
import { PAGE_SIZE, PageCache } from '../../renderer/src/stores/page-cache'

describe('keyboard map', () => {
  it('maps labeling keys to actions', () => {
    expect(keyAction({ key: '1' })).toEqual({ kind: 'assign', classIndex: 0 })
    expect(keyAction({ key: '9' })).toEqual({ kind: 'assign', classIndex: 8 })
    expect(keyAction({ key: '0' })).toBeNull()
    expect(keyAction({ key: 'ArrowRight' })).toEqual({ kind: 'move', delta: 1 })
    expect(keyAction({ key: 'j' })).toEqual({ kind: 'move', delta: -1 })
    expect(keyAction({ key: 'K' })).toEqual({ kind: 'move', delta: 1 })
    expect(keyAction({ key: 'ArrowDown' })).toEqual({ kind: 'move', delta: 'row-down' })
    // Space opens the large view (as Quick Look does); S selects.
    expect(keyAction({ key: ' ' })).toEqual({ kind: 'zoom' })
    expect(keyAction({ key: 'Enter' })).toEqual({ kind: 'zoom' })
    expect(keyAction({ key: 's' })).toEqual({ kind: 'toggle-select' })
    expect(keyAction({ key: 'x' })).toEqual({ kind: 'clear' })
    expect(keyAction({ key: 'z' })).toEqual({ kind: 'undo' })
    expect(keyAction({ key: 'Z', shiftKey: true })).toEqual({ kind: 'redo' })
    // Caps Lock alone does not turn undo into redo.
    expect(keyAction({ key: 'Z' })).toEqual({ kind: 'undo' })
    expect(keyAction({ key: 'Escape' })).toEqual({ kind: 'escape' })
    expect(keyAction({ key: '?' })).toEqual({ kind: 'help' })
    // Browser and system shortcuts are left alone.
    expect(keyAction({ key: 'z', ctrlKey: true })).toBeNull()
    expect(keyAction({ key: '1', metaKey: true })).toBeNull()
  })

  it('follows the user’s bindings; a key given to another action leaves its old one', () => {
    const b = rebind(DEFAULT_BINDINGS, 'next', 'l')!
    expect(b.next).toEqual(['l'])
    expect(keyAction({ key: 'l' }, b)).toEqual({ kind: 'move', delta: 1 })
    expect(keyAction({ key: 'ArrowRight' }, b)).toBeNull()
    const taken = rebind(b, 'select', 'x')!
    expect(taken.select).toEqual(['x'])
    expect(taken.clear).toEqual([])
    expect(keyAction({ key: 'x' }, taken)).toEqual({ kind: 'toggle-select' })
    // Label keys, Esc, ? and Tab stay what they are.
    for (const k of ['1', '9', 'Escape', '?', 'Tab']) expect(rebind(DEFAULT_BINDINGS, 'undo', k)).toBeNull()
  })

  it('reads saved bindings back defensively', () => {
    expect(parseBindings(null)).toEqual(DEFAULT_BINDINGS)
    expect(parseBindings('not json')).toEqual(DEFAULT_BINDINGS)
    expect(parseBindings('[1,2]')).toEqual(DEFAULT_BINDINGS)
    const saved = parseBindings(JSON.stringify({ select: ['x', '3'], bogus: ['q'], undo: 'z' }))
    expect(saved.select).toEqual(['x'])
    // The default that a saved key took is gone; an action saved with nothing valid keeps its default.
    expect(saved.clear).toEqual([])
    expect(saved.undo).toEqual(['z'])
    expect(saved).not.toHaveProperty('bogus')
  })

  it('names keys for bindings and for people', () => {
    expect(keyName({ key: 'K' })).toBe('k')
    expect(keyName({ key: 'K', shiftKey: true })).toBe('Shift+k')
    expect(keyName({ key: ' ' })).toBe('Space')
    expect(keyName({ key: 'ArrowLeft' })).toBe('ArrowLeft')
    expect(keyLabel('ArrowLeft')).toBe('←')
    expect(keyLabel('Shift+z')).toBe('Shift+Z')
    expect(keyLabel('Space')).toBe('Space')
  })

  it('leaves keys typed into controls and focused links to them', () => {
    const at = (matches: boolean) => ({ closest: () => (matches ? {} : null) })
    expect(ownsKeys(at(true))).toBe(true)
    expect(ownsKeys(at(false))).toBe(false)
    expect(ownsKeys(null)).toBe(false)
    let asked = ''
    ownsKeys({ closest: (sel: string) => ((asked = sel), null) })
    expect(asked.split(/,\s*/)).toEqual(expect.arrayContaining(['a', 'button', 'input', 'select', 'textarea']))
  })

  it('moves focus by tiles and rows, clamped to the list', () => {
    expect(moveFocus(0, -1, 5, 20)).toBe(0)
    expect(moveFocus(3, 'row-down', 5, 20)).toBe(8)
    expect(moveFocus(17, 'row-down', 5, 20)).toBe(19)
    expect(moveFocus(2, 'row-up', 5, 20)).toBe(0)
  })

  it('shift-click selects the range between anchor and click in either direction', () => {
    expect(rangeSelection(2, 5)).toEqual([2, 3, 4, 5])
    expect(rangeSelection(5, 2)).toEqual([2, 3, 4, 5])
    expect(rangeSelection(4, 4)).toEqual([4])
  })
})

describe('filters → query', () => {
  it('passes the health finding and the suspects filter', () => {
    expect(filterToQuery({ ...DEFAULT_FILTER, finding: 'near-duplicate', suspects: true })).toMatchObject({
      finding: 'near-duplicate',
      suspects: true,
    })
    expect(filterToQuery(DEFAULT_FILTER)).not.toHaveProperty('finding')
    expect(filterToQuery(DEFAULT_FILTER)).not.toHaveProperty('suspects')
  })

  it('turns the toolbar state into an images query', () => {
    expect(filterToQuery(DEFAULT_FILTER)).toEqual({ sort: 'imported', order: 'asc', limit: 200 })
    expect(filterToQuery({ ...DEFAULT_FILTER, label: 'unlabeled', search: '  ant ', sort: 'name' })).toEqual({
      sort: 'name',
      order: 'asc',
      limit: 200,
      unlabeled: true,
      search: 'ant',
    })
    expect(filterToQuery({ ...DEFAULT_FILTER, label: 7, origin: 'train', order: 'desc' }, 50)).toEqual({
      sort: 'imported',
      order: 'desc',
      limit: 50,
      classIds: [7],
      origin: 'train',
    })
  })

  it('applies prediction filters only through a run, in 0–1 confidence, and split through a run or a version', () => {
    // Without a run the prediction filters are ignored (they are hidden in the toolbar then).
    expect(filterToQuery({ ...DEFAULT_FILTER, correct: 'incorrect', predicted: 3, minConfidence: 50 })).toEqual({
      sort: 'imported',
      order: 'asc',
      limit: 200,
    })
    expect(
      filterToQuery({
        ...DEFAULT_FILTER,
        runId: 4,
        correct: 'incorrect',
        predicted: 3,
        minConfidence: 50,
        maxConfidence: 90,
      }),
    ).toEqual({
      sort: 'imported',
      order: 'asc',
      limit: 200,
      runId: 4,
      correct: false,
      predictedClassIds: [3],
      minConfidence: 0.5,
      maxConfidence: 0.9,
    })
    expect(filterToQuery({ ...DEFAULT_FILTER, runId: 4, correct: 'correct', maxConfidence: 100 })).toMatchObject({
      correct: true,
    })
    expect(filterToQuery({ ...DEFAULT_FILTER, runId: 4, split: 'test', version: 9 })).toMatchObject({
      runId: 4,
      split: 'test',
    })
    expect(filterToQuery({ ...DEFAULT_FILTER, runId: 4, split: 'test', version: 9 })).not.toHaveProperty('versionId')
    expect(filterToQuery({ ...DEFAULT_FILTER, split: 'val', version: 9 })).toMatchObject({ split: 'val', versionId: 9 })
    // No version yet (nothing trained): the split filter cannot apply.
    expect(filterToQuery({ ...DEFAULT_FILTER, split: 'val' })).not.toHaveProperty('split')
  })
})

describe('page cache (the grid fetches rows by position)', () => {
  it('finds the missing pages of a row range, shares loads, and reads rows by index', async () => {
    const cache = new PageCache<number>()
    expect(cache.missing(0, 450)).toEqual([0, 1, 2])
    let fetches = 0
    const fetch = (p: number) => async () => {
      fetches++
      await Promise.resolve()
      cache.set(
        p,
        Array.from({ length: PAGE_SIZE }, (_, i) => p * PAGE_SIZE + i),
      )
    }
    await Promise.all([cache.load(1, fetch(1)), cache.load(1, fetch(1))])
    expect(fetches).toBe(1)
    expect(cache.missing(0, 450)).toEqual([0, 2])
    expect(cache.get(PAGE_SIZE + 7)).toBe(PAGE_SIZE + 7)
    expect(cache.get(7)).toBeUndefined()
    cache.update((v) => -v)
    expect(cache.get(PAGE_SIZE + 7)).toBe(-(PAGE_SIZE + 7))
  })

  it('keeps at most maxPages, dropping those farthest from the last page loaded', () => {
    const cache = new PageCache<number>(3)
    for (const p of [0, 1, 2, 50]) cache.set(p, [p])
    expect([0, 1, 2, 50].filter((p) => cache.has(p))).toEqual([1, 2, 50])
  })

  it('a load from before clear() does not disturb a newer load of the same page', async () => {
    const cache = new PageCache<number>()
    let release: () => void = () => {}
    const old = cache.load(0, () => new Promise<void>((r) => (release = r)))
    cache.clear()
    const fresh = cache.load(0, () => new Promise<void>(() => {}))
    release()
    await old
    expect(cache.missing(0, 10)).toEqual([]) // the fresh load is still in flight
    void fresh
  })
})
