import { describe, expect, it } from 'vitest'
import { fileName, keyIsForView, labelNextKey, reviewKey } from '../../renderer/src/composables/quality-keys'

describe('Review and Label next keys', () => {
  it('Review: Enter or A accepts, K keeps, 1–9 pick, arrows move, Z undoes', () => {
    expect(reviewKey({ key: 'Enter' })).toEqual({ kind: 'accept' })
    expect(reviewKey({ key: 'a' })).toEqual({ kind: 'accept' })
    expect(reviewKey({ key: 'A', shiftKey: true })).toEqual({ kind: 'accept' })
    expect(reviewKey({ key: 'k' })).toEqual({ kind: 'keep' })
    expect(reviewKey({ key: '1' })).toEqual({ kind: 'pick', classIndex: 0 })
    expect(reviewKey({ key: '9' })).toEqual({ kind: 'pick', classIndex: 8 })
    expect(reviewKey({ key: '0' })).toBeNull()
    expect(reviewKey({ key: 'ArrowRight' })).toEqual({ kind: 'move', delta: 1 })
    expect(reviewKey({ key: 'ArrowUp' })).toEqual({ kind: 'move', delta: -1 })
    expect(reviewKey({ key: 'z' })).toEqual({ kind: 'undo' })
    expect(reviewKey({ key: 'q' })).toBeNull()
  })

  it('leaves keys with Ctrl, Cmd or Alt to the browser', () => {
    expect(reviewKey({ key: 'a', ctrlKey: true })).toBeNull()
    expect(reviewKey({ key: 'ArrowLeft', altKey: true })).toBeNull()
    expect(labelNextKey({ key: '2', metaKey: true })).toBeNull()
  })

  it('Label next: Enter accepts, digits pick, A and K do nothing (there is no label to keep)', () => {
    expect(labelNextKey({ key: 'Enter' })).toEqual({ kind: 'accept' })
    expect(labelNextKey({ key: '3' })).toEqual({ kind: 'pick', classIndex: 2 })
    expect(labelNextKey({ key: 'a' })).toBeNull()
    expect(labelNextKey({ key: 'k' })).toBeNull()
    expect(labelNextKey({ key: 'ArrowLeft' })).toEqual({ kind: 'move', delta: -1 })
  })

  it('takes a key only when focus is on the page or the view’s stage, not on a control elsewhere', () => {
    const el = (tagName: string, inStage = false) => ({ tagName, closest: () => (inStage ? {} : null) })
    expect(keyIsForView(null)).toBe(true)
    expect(keyIsForView(el('BODY'))).toBe(true)
    expect(keyIsForView(el('DIV', true))).toBe(true)
    expect(keyIsForView(el('IMG', true))).toBe(true)
    expect(keyIsForView(el('DIV'))).toBe(false)
    // A nav link, a button (Enter presses it) and a select keep their keys, even inside the stage.
    expect(keyIsForView(el('A'))).toBe(false)
    expect(keyIsForView(el('BUTTON', true))).toBe(false)
    expect(keyIsForView(el('SELECT'))).toBe(false)
    expect(keyIsForView(el('INPUT', true))).toBe(false)
  })

  it('names an image by its file name', () => {
    expect(fileName('bees/b-07.jpg')).toBe('b-07.jpg')
    expect(fileName('C:\\data\\x.png')).toBe('x.png')
    expect(fileName('x.png')).toBe('x.png')
  })
})
