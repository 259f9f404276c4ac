import { defineStore } from 'pinia'
import type { ClassDto } from '../../../preload/contract'
import { api } from '../api'
import { moveClass } from '../composables/key-order'
import { plural } from '../composables/messages'
import { useBrowseStore } from './browse'
import { useLabelHistory } from './history'
import { usePrefsStore } from './prefs'

/**
 * Class management from the class panel: add, rename, recolour, merge, delete and move a class's key.
 * Each is undoable: merge and delete through the engine's label log, the others on this page
 * (stores/history.ts). Every action reports in the message line and resolves to false when refused.
 */
export const useClassesStore = defineStore('classes', () => {
  const browse = useBrowseStore()
  const history = useLabelHistory()
  const prefs = usePrefsStore()

  async function attempt(fn: () => Promise<void>): Promise<boolean> {
    try {
      await fn()
      return true
    } catch (err) {
      history.say((err as Error).message)
      return false
    }
  }

  const create = (name: string) =>
    attempt(async () => {
      const c = await api.createClass({ name })
      await browse.refreshClasses()
      const key = browse.classes.findIndex((k) => k.id === c.id) + 1
      history.say(`Class “${c.name}” added${key > 0 && key < 10 ? ` on key ${key}` : ''}`)
    })

  const rename = (c: ClassDto, name: string) =>
    attempt(async () => {
      const r = await api.renameClass({ classId: c.id, name })
      if (r.name === c.name) return
      history.changed({ kind: 'rename', classId: c.id, from: c.name, to: r.name }, `Renamed “${c.name}” to “${r.name}”`)
      await browse.reload()
    })

  const recolor = (c: ClassDto, color: string) =>
    attempt(async () => {
      if (color.toLowerCase() === c.color.toLowerCase()) return
      await api.setClassColor({ classId: c.id, color })
      history.changed({ kind: 'color', classId: c.id, from: c.color, to: color }, `New colour for “${c.name}”`)
      await browse.refreshClasses()
    })

  const merge = (c: ClassDto, into: ClassDto) =>
    attempt(async () => {
      const r = await api.mergeClass({ from: c.id, into: into.id })
      history.labeled(`Merged “${c.name}” into “${into.name}” (${plural(r.changed, 'image')})`, r.actionId !== null)
      await browse.reload()
    })

  /** Deletes the class; its images become unlabeled. */
  const remove = (c: ClassDto) =>
    attempt(async () => {
      const r = await api.deleteClass({ classId: c.id, mode: 'unlabel' })
      const what = r.changed ? `; ${plural(r.changed, 'image')} unlabeled` : ''
      history.labeled(`Deleted “${c.name}”${what}`, r.actionId !== null)
      await browse.reload()
    })

  /** Moves the class's label key up (-1) or down (+1). */
  function moveKey(c: ClassDto, delta: number) {
    const from = browse.classes.map((k) => k.id)
    const to = moveClass(browse.classes, c.id, delta)
    if (to.join() === from.join()) return
    prefs.setKeyOrder(to)
    const key = to.indexOf(c.id) + 1
    history.changed({ kind: 'keys', from, to }, `“${c.name}” is on key ${key < 10 ? key : 'none (10 and after)'}`)
  }

  return { create, rename, recolor, merge, remove, moveKey }
})
