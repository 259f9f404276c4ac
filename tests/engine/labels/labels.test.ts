import path from 'node:path'
import { beforeEach, describe, expect, it } from 'vitest'
import { ConflictError, NotFoundError, ValidationError } from '../../../main/engine/errors'
import { Studio } from '../../../main/engine/studio'
import { makeImages, tmpDir } from '../../helpers/fixtures'

const root = tmpDir()
let n = 0
let studio: Studio
let ids: number[]

/** A project with 6 unlabeled images and classes cat, dog. */
beforeEach(async () => {
  const src = path.join(root, `src${n}`)
  await makeImages(src, 6, n * 10)
  studio = Studio.init(path.join(root, `proj${n++}`))
  await studio.import(src)
  ids = studio.store.images.page({ limit: 10 }).items.map((i) => i.id)
  studio.labels.createClass('cat')
  studio.labels.createClass('dog')
  return () => studio.close()
})

const labelOf = (id: number) => studio.image(id).className

describe('labels', () => {
  it('sets many images in one action and logs old and new value per image', () => {
    const r = studio.labels.setLabels(ids.slice(0, 3), 'cat')
    expect(r.changed).toBe(3)
    expect(studio.stats().classes).toEqual({ cat: 3, dog: 0 })
    studio.labels.setLabels([ids[0]!, ids[3]!], 'dog')
    expect(studio.labels.history(ids[0]!).map((h) => [h.kind, h.oldClass, h.newClass])).toEqual([
      ['set', null, 'cat'],
      ['set', 'cat', 'dog'],
    ])
    // Only real changes are logged: ids[3] was unlabeled, ids[0] was cat.
    expect(studio.labels.setLabels([ids[0]!], 'dog')).toEqual({ actionId: null, changed: 0 })
  })

  it('undo and redo walk the log, one action at a time', () => {
    studio.labels.setLabels(ids.slice(0, 2), 'cat') // A1
    studio.labels.setLabels([ids[1]!, ids[2]!], 'dog') // A2
    studio.labels.setLabels([ids[0]!], null) // A3 (clear)
    expect([labelOf(ids[0]!), labelOf(ids[1]!), labelOf(ids[2]!)]).toEqual([null, 'dog', 'dog'])
    expect(studio.labels.undo()).toMatchObject({ kind: 'clear', changed: 1 })
    expect(studio.labels.undo()).toMatchObject({ kind: 'set', changed: 2 })
    expect([labelOf(ids[0]!), labelOf(ids[1]!), labelOf(ids[2]!)]).toEqual(['cat', 'cat', null])
    expect(studio.labels.redo()).toMatchObject({ kind: 'set', changed: 2 })
    expect([labelOf(ids[0]!), labelOf(ids[1]!), labelOf(ids[2]!)]).toEqual(['cat', 'dog', 'dog'])
    expect(studio.labels.redo()).toMatchObject({ kind: 'clear' })
    expect(studio.labels.redo()).toBeNull()
    expect(studio.labels.undo()).not.toBeNull()
    expect(studio.labels.undo()).not.toBeNull()
    expect(studio.labels.undo()).not.toBeNull()
    expect(studio.labels.undo()).toBeNull()
    expect(studio.stats().unlabeled).toBe(6)
    // The log is append-only: undo and redo wrote their own events.
    expect(studio.labels.history(ids[1]!).map((h) => h.kind)).toEqual(['set', 'set', 'undo', 'redo', 'undo', 'undo'])
  })

  it('a new change after undo drops the redo branch', () => {
    studio.labels.setLabels([ids[0]!], 'cat')
    studio.labels.undo()
    studio.labels.setLabels([ids[1]!], 'dog')
    expect(studio.labels.redo()).toBeNull()
    expect(labelOf(ids[0]!)).toBeNull()
  })

  it('refuses unknown images and classes without changing anything', () => {
    expect(() => studio.labels.setLabels([ids[0]!, 999_999], 'cat')).toThrow(NotFoundError)
    expect(() => studio.labels.setLabels([ids[0]!], 'horse')).toThrow(/class "horse" does not exist/)
    expect(labelOf(ids[0]!)).toBeNull()
  })
})

describe('classes', () => {
  it('validates names: blank, duplicate (case-insensitive), too long, control characters', () => {
    expect(() => studio.labels.createClass('   ')).toThrow(ValidationError)
    expect(() => studio.labels.createClass('CAT')).toThrow(ConflictError)
    expect(() => studio.labels.createClass('x'.repeat(500))).toThrow(/longer than/)
    expect(() => studio.labels.createClass('a\tb')).toThrow(/control characters/)
    expect(studio.labels.createClass('  bird  ').name).toBe('bird')
  })

  it('renames, keeping labels', () => {
    studio.labels.setLabels([ids[0]!], 'cat')
    studio.labels.renameClass('cat', 'kitten')
    expect(labelOf(ids[0]!)).toBe('kitten')
    expect(() => studio.labels.renameClass('kitten', 'dog')).toThrow(/already exists/)
  })

  it('merges one class into another; undo restores the class and its labels', () => {
    studio.labels.setLabels(ids.slice(0, 2), 'cat')
    studio.labels.setLabels([ids[2]!], 'dog')
    expect(studio.labels.mergeClass('cat', 'dog')).toMatchObject({ changed: 2 })
    expect(studio.stats().classes).toEqual({ dog: 3 })
    studio.labels.undo()
    expect(studio.stats().classes).toEqual({ cat: 2, dog: 1 })
    studio.labels.redo()
    expect(studio.stats().classes).toEqual({ dog: 3 })
    expect(() => studio.labels.mergeClass('dog', 'dog')).toThrow(/into itself/)
  })

  it('deleting a class with images needs an explicit choice', () => {
    studio.labels.setLabels(ids.slice(0, 2), 'cat')
    expect(() => studio.labels.deleteClass('cat')).toThrow(/has 2 labeled images: choose/)
    expect(studio.stats().classes).toEqual({ cat: 2, dog: 0 })
    expect(studio.labels.deleteClass('cat', { mode: 'unlabel' })).toMatchObject({ changed: 2 })
    expect(studio.stats()).toMatchObject({ classes: { dog: 0 }, unlabeled: 6 })
    studio.labels.undo()
    expect(studio.stats().classes).toEqual({ cat: 2, dog: 0 })
    expect(studio.labels.deleteClass('cat', { mode: 'merge', into: 'dog' })).toMatchObject({ changed: 2 })
    expect(studio.stats().classes).toEqual({ dog: 2 })
    // An empty class deletes without a choice; a new class may reuse a deleted name.
    studio.labels.createClass('cat')
    studio.labels.deleteClass('cat')
    expect(studio.labels.createClass('cat').name).toBe('cat')
  })

  it('undo of a delete is refused while a new class has taken the name', () => {
    studio.labels.setLabels([ids[0]!], 'cat')
    studio.labels.deleteClass('cat', { mode: 'unlabel' })
    studio.labels.createClass('cat')
    expect(() => studio.labels.undo()).toThrow(/a new class named "cat" exists/)
    expect(labelOf(ids[0]!)).toBeNull()
  })
})
