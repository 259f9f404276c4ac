import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { api } from '../api'
import { undoMessage } from '../composables/messages'
import { inverse, UndoStack, type LocalChange, type UndoEntry } from '../composables/undo-stack'
import { usePrefsStore } from './prefs'

/** How long a toast stays, in ms. */
const TOAST_MS = 8000

/**
 * Undo you can see: the undo stack of this page (composables/undo-stack.ts), the message line, and
 * the toast after each labeling action with its Undo link.
 */
export const useLabelHistory = defineStore('label-history', () => {
  const prefs = usePrefsStore()
  const stack = new UndoStack()
  const message = ref('')
  /** The toast on screen; `undo`: it offers to take the action back. `n` tells toasts of the same text apart. */
  const toast = ref<{ text: string; undo: boolean; n: number } | null>(null)
  const busy = ref(false)
  /** Bumped after each undo or redo: views showing labels reload on it. */
  const revision = ref(0)
  let timer: ReturnType<typeof setTimeout> | null = null
  let count = 0

  function show(text: string, undo: boolean) {
    message.value = text
    toast.value = { text, undo, n: ++count }
    if (timer) clearTimeout(timer)
    timer = setTimeout(() => (toast.value = null), TOAST_MS)
  }

  /** A message with no action to take back (a refusal, a count). */
  const say = (text: string) => show(text, false)

  /** A change the engine logged (labels, merge, delete): undoable from the toast. */
  function labeled(text: string, logged: boolean) {
    if (logged) stack.push({ kind: 'engine' })
    show(text, logged)
  }

  /** A change undone on this page (rename, recolour, key order), already applied. */
  function changed(c: LocalChange, text: string) {
    stack.push(c)
    show(text, true)
  }

  async function apply(c: LocalChange) {
    if (c.kind === 'rename') await api.renameClass({ classId: c.classId, name: c.to })
    else if (c.kind === 'color') await api.setClassColor({ classId: c.classId, color: c.to })
    else if (c.kind === 'attribute') {
      for (const { value, imageIds } of c.to) {
        if (value === null) await api.clearAttribute({ imageIds, name: c.name })
        else await api.setAttribute({ imageIds, name: c.name, value })
      }
    } else prefs.setKeyOrder(c.to)
  }

  function describe(c: LocalChange): string {
    if (c.kind === 'rename') return `the rename of “${c.from}” to “${c.to}”`
    if (c.kind === 'attribute') return `the change of ${c.name}`
    return c.kind === 'color' ? 'the colour change' : 'the key order change'
  }

  async function undoRedo(which: 'undo' | 'redo') {
    if (busy.value) return
    busy.value = true
    const e: UndoEntry = which === 'undo' ? stack.takeUndo() : stack.takeRedo()
    try {
      if (e.kind === 'engine') {
        const r = which === 'undo' ? await api.undo() : await api.redo()
        say(undoMessage(which, r?.changed ?? null))
      } else {
        await apply(which === 'undo' ? inverse(e) : e)
        say(undoMessage(which, 1, describe(e)))
      }
    } catch (err) {
      stack.restore(which)
      say((err as Error).message)
    } finally {
      busy.value = false
      revision.value++
    }
  }

  function dismiss() {
    toast.value = null
  }

  function reset() {
    stack.clear()
    message.value = ''
    toast.value = null
  }

  return { message, toast, revision, busy: computed(() => busy.value), say, labeled, changed, undoRedo, dismiss, reset }
})
