import { describe, expect, it } from 'vitest'
import { filterToQuery, DEFAULT_FILTER } from '../../renderer/src/composables/filters'
import { keyAction, moveFocus, rangeSelection } from '../../renderer/src/composables/useKeyboard'

describe('keyboard map', () => {
  it('maps labeling keys to actions', () => {
    expect(keyAction({ key: '1' })).toEqual({ kind: 'assign', classIndex: 0 })
    expect(keyAction({ key: '9' })).toEqual({ kind: 'assign', classIndex: 8 })
    expect(keyAction({ key: '0' })).toBeNull()
    expect(keyAction({ key: 'ArrowRight' })).toEqual({ kind: 'move', delta: 1 })
    expect(keyAction({ key: 'j' })).toEqual({ kind: 'move', delta: -1 })
    expect(keyAction({ key: 'K' })).toEqual({ kind: 'move', delta: 1 })
    expect(keyAction({ key: 'ArrowDown' })).toEqual({ kind: 'move', delta: 'row-down' })
    expect(keyAction({ key: ' ' })).toEqual({ kind: 'toggle-select' })
    expect(keyAction({ key: 'x' })).toEqual({ kind: 'clear' })
    expect(keyAction({ key: 'z' })).toEqual({ kind: 'undo' })
    expect(keyAction({ key: 'Z', shiftKey: true })).toEqual({ kind: 'redo' })
    expect(keyAction({ key: '?' })).toEqual({ kind: 'help' })
    // Browser and system shortcuts are left alone.
    expect(keyAction({ key: 'z', ctrlKey: true })).toBeNull()
    expect(keyAction({ key: '1', metaKey: true })).toBeNull()
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
  it('turns the toolbar state into an images query', () => {
    expect(filterToQuery(DEFAULT_FILTER)).toEqual({ sort: 'imported', order: 'asc', limit: 200 })
    expect(filterToQuery({ ...DEFAULT_FILTER, label: 'unlabeled', search: '  ant ', sort: 'name' })).toEqual({
      sort: 'name', order: 'asc', limit: 200, unlabeled: true, search: 'ant',
    })
    expect(filterToQuery({ ...DEFAULT_FILTER, label: 7, origin: 'train', order: 'desc' }, 50)).toEqual({
      sort: 'imported', order: 'desc', limit: 50, classIds: [7], origin: 'train',
    })
  })
})
