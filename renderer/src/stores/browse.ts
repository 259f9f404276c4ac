import { defineStore } from 'pinia'
import { computed, reactive, ref, shallowRef } from 'vue'
import type { ClassDto, ImageDto } from '../../../preload/contract'
import { api } from '../api'
import { DEFAULT_FILTER, filterToQuery, type BrowseFilter } from '../composables/filters'
import { moveFocus, rangeSelection } from '../composables/useKeyboard'

/** Browsing and labeling: the filtered image list, focus, selection and classes. */
export const useBrowseStore = defineStore('browse', () => {
  const filter = reactive<BrowseFilter>({ ...DEFAULT_FILTER })
  // shallowRef: 100k image rows need no deep reactivity; every change replaces the array.
  const items = shallowRef<ImageDto[]>([])
  const total = ref(0)
  const cursor = ref<string | null>(null)
  const loading = ref(false)
  const error = ref<string | null>(null)
  const classes = ref<ClassDto[]>([])
  const focus = ref(0)
  const selected = ref<Set<number>>(new Set())
  const anchor = ref(0)
  const message = ref('')
  let generation = 0

  const focused = computed(() => items.value[focus.value] ?? null)

  async function refreshClasses() {
    classes.value = await api.classes()
  }

  /** Loads the first page for the current filter (and the classes). */
  async function reload(keep = 0) {
    const gen = ++generation
    loading.value = true
    error.value = null
    try {
      const page = await api.images({ ...filterToQuery(filter, Math.max(200, keep)) })
      if (gen !== generation) return
      items.value = page.items
      total.value = page.total
      cursor.value = page.nextCursor
      focus.value = Math.min(focus.value, Math.max(0, page.items.length - 1))
      await refreshClasses()
    } catch (err) {
      error.value = (err as Error).message
    } finally {
      if (gen === generation) loading.value = false
    }
  }

  async function loadMore() {
    if (!cursor.value || loading.value) return
    const gen = generation
    loading.value = true
    try {
      const page = await api.images({ ...filterToQuery(filter), cursor: cursor.value })
      if (gen !== generation) return
      items.value = [...items.value, ...page.items]
      cursor.value = page.nextCursor
    } catch (err) {
      error.value = (err as Error).message
    } finally {
      loading.value = false
    }
  }

  function move(delta: number | 'row-up' | 'row-down', columns: number) {
    focus.value = moveFocus(focus.value, delta, columns, items.value.length)
    anchor.value = focus.value
  }

  function toggleSelect(index = focus.value) {
    const id = items.value[index]?.id
    if (id === undefined) return
    const next = new Set(selected.value)
    if (next.has(id)) next.delete(id)
    else next.add(id)
    selected.value = next
    anchor.value = index
  }

  function click(index: number, shift: boolean) {
    if (shift) selected.value = new Set(rangeSelection(anchor.value, index).map((i) => items.value[i]!.id))
    else anchor.value = index
    focus.value = index
  }

  /** The images an action applies to: the selection, else the focused image. */
  const targets = () => (selected.value.size ? [...selected.value] : focused.value ? [focused.value.id] : [])

  async function assign(classIndex: number | null) {
    const ids = targets()
    const cls = classIndex === null ? null : classes.value[classIndex]
    if (!ids.length || cls === undefined) return
    const r = await api.setLabels({ imageIds: ids, classId: cls ? cls.id : null })
    const set = new Set(ids)
    items.value = items.value.map((i) => (set.has(i.id) ? { ...i, classId: cls?.id ?? null, className: cls?.name ?? null } : i))
    message.value = `${r.changed} image(s) ${cls ? `→ ${cls.name}` : 'unlabeled'}`
    if (!selected.value.size) focus.value = Math.min(focus.value + 1, items.value.length - 1)
    selected.value = new Set()
    await refreshClasses()
  }

  async function undoRedo(which: 'undo' | 'redo') {
    const r = which === 'undo' ? await api.undo() : await api.redo()
    message.value = r ? `${which === 'undo' ? 'Undid' : 'Redid'} ${r.changed} change(s)` : `Nothing to ${which}`
    await reload(items.value.length)
  }

  return { filter, items, total, loading, error, classes, focus, selected, message, focused, reload, loadMore, move, toggleSelect, click, assign, undoRedo, refreshClasses }
})
