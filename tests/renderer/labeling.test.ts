import { describe, expect, it } from 'vitest'
import { moveClass, noClassMessage, orderClasses, parseOrder } from '../../renderer/src/composables/key-order'
import { findingOf, FINDING_OPTIONS, lensCoverage } from '../../renderer/src/composables/lens'
import { labeledMessage, plural, undoMessage } from '../../renderer/src/composables/messages'
import { inverse, UndoStack } from '../../renderer/src/composables/undo-stack'

const cls = (...ids: number[]) => ids.map((id) => ({ id }))

describe('class key order', () => {
  it('puts the saved order first, then the classes it does not name, in the engine’s order', () => {
    expect(orderClasses(cls(1, 2, 3, 4), [3, 1]).map((c) => c.id)).toEqual([3, 1, 2, 4])
    // A deleted class in the saved order is skipped; a new class comes last.
    expect(orderClasses(cls(1, 2, 5), [9, 2, 1]).map((c) => c.id)).toEqual([2, 1, 5])
    expect(orderClasses(cls(1, 2), []).map((c) => c.id)).toEqual([1, 2])
  })

  it('moves a class’s key up or down, clamped', () => {
    expect(moveClass(cls(1, 2, 3), 3, -1)).toEqual([1, 3, 2])
    expect(moveClass(cls(1, 2, 3), 1, -1)).toEqual([1, 2, 3])
    expect(moveClass(cls(1, 2, 3), 1, 5)).toEqual([2, 3, 1])
    expect(moveClass(cls(1, 2, 3), 7, 1)).toEqual([1, 2, 3])
  })

  it('reads a saved order defensively', () => {
    expect(parseOrder('[3,1,"x",-2,2.5]')).toEqual([3, 1])
    expect(parseOrder('{')).toEqual([])
    expect(parseOrder(null)).toEqual([])
  })

  it('says why a label key gave nothing', () => {
    expect(noClassMessage(5, 2)).toBe('Key 5 gives no class: there are 2 classes (keys 1–2).')
    expect(noClassMessage(2, 1)).toBe('Key 2 gives no class: there is 1 class (keys 1–1).')
    expect(noClassMessage(1, 0)).toMatch(/no classes yet/)
  })
})

describe('messages', () => {
  it('names one image by its file name and counts in the right number', () => {
    expect(labeledMessage(1, 'cat-01.jpg', 1, 'cat')).toBe('cat-01.jpg → cat')
    expect(labeledMessage(2, 'x.jpg', 2, 'cat')).toBe('2 images → cat')
    expect(labeledMessage(1, 'cat-01.jpg', 1, null)).toBe('cat-01.jpg unlabeled')
    expect(labeledMessage(3, '', 2, 'dog')).toBe('3 images → dog (1 was already)')
    expect(labeledMessage(3, '', 1, 'dog')).toBe('3 images → dog (2 were already)')
    expect(plural(1, 'image')).toBe('1 image')
    expect(plural(0, 'image')).toBe('0 images')
  })

  it('reports undo and redo', () => {
    expect(undoMessage('undo', 1)).toBe('Undid 1 change')
    expect(undoMessage('redo', 3)).toBe('Redid 3 changes')
    expect(undoMessage('redo', null)).toBe('Nothing to redo')
    expect(undoMessage('undo', 1, 'the colour change')).toBe('Undid the colour change')
  })
})

describe('undo stack', () => {
  it('takes back the latest change of either kind, then the engine’s older ones', () => {
    const s = new UndoStack()
    s.push({ kind: 'engine' })
    s.push({ kind: 'rename', classId: 1, from: 'a', to: 'b' })
    expect(s.takeUndo()).toEqual({ kind: 'rename', classId: 1, from: 'a', to: 'b' })
    expect(s.takeUndo()).toEqual({ kind: 'engine' })
    // Nothing of this page left: the engine's log (earlier work, the CLI) answers.
    expect(s.takeUndo()).toEqual({ kind: 'engine' })
    expect(s.takeRedo()).toEqual({ kind: 'engine' })
    expect(s.takeRedo()).toEqual({ kind: 'engine' })
    expect(s.takeRedo()).toEqual({ kind: 'rename', classId: 1, from: 'a', to: 'b' })
  })

  it('drops the redo branch on a new change and restores a failed undo', () => {
    const s = new UndoStack()
    s.push({ kind: 'color', classId: 1, from: '#000000', to: '#ffffff' })
    s.takeUndo()
    s.push({ kind: 'engine' })
    expect(s.takeRedo()).toEqual({ kind: 'engine' }) // the colour change cannot be redone any more
    s.push({ kind: 'keys', from: [1, 2], to: [2, 1] })
    s.takeUndo()
    s.restore('undo')
    expect(s.takeUndo()).toEqual({ kind: 'keys', from: [1, 2], to: [2, 1] })
  })

  it('inverts local changes', () => {
    expect(inverse({ kind: 'rename', classId: 4, from: 'a', to: 'b' })).toEqual({
      kind: 'rename',
      classId: 4,
      from: 'b',
      to: 'a',
    })
    expect(inverse({ kind: 'keys', from: [1, 2], to: [2, 1] })).toEqual({ kind: 'keys', from: [2, 1], to: [1, 2] })
  })
})

describe('the predictions lens and the finding filter', () => {
  it('says which images a run’s predictions cover', () => {
    expect(lensCoverage(2, 12, 70, 'val')).toBe(
      'Run 2 predicted its validation split only: 12 of 70 images show a prediction; the others show none.',
    )
    expect(lensCoverage(2, 9, 70, 'test')).toMatch(/its test split only/)
    expect(lensCoverage(3, 70, 70, 'test')).toBe('Run 3 scored every image: all 70 show its prediction.')
    expect(lensCoverage(3, 0, 1, null)).toBe('Run 3: 0 of 1 image show a prediction; the others show none.')
  })

  it('reads ?finding= from the address, only a known kind', () => {
    expect(findingOf('near-duplicate')).toBe('near-duplicate')
    expect(findingOf(['outlier-dark', 'x'])).toBe('outlier-dark')
    expect(findingOf('nonsense')).toBeNull()
    expect(findingOf(undefined)).toBeNull()
    expect(FINDING_OPTIONS.length).toBe(14)
  })
})
