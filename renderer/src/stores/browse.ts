import { defineStore } from 'pinia'
import { computed, reactive, ref, shallowRef } from 'vue'
import type { AttributeDto, ClassDto, FacetsDto, ImageDto } from '../../../preload/contract'
import { api } from '../api'
import { attributeMessage } from '../composables/attribute-filter'
import { DEFAULT_FILTER, filterToQuery, type BrowseFilter } from '../composables/filters'
import { noClassMessage, orderClasses } from '../composables/key-order'
import { labeledMessage } from '../composables/messages'
import { moveFocus, rangeSelection } from '../composables/useKeyboard'
import { PAGE_SIZE, PageCache } from './page-cache'
import { useLabelHistory } from './history'
import { usePrefsStore } from './prefs'

/** Most images one "select all" takes (the setLabels request's limit). */
export const SELECT_ALL_LIMIT = 100_000

/**
 * Browsing and labeling: the filtered image list, focus, selection and classes. The list is as long
 * as the query's total from the start; pages of rows are fetched by position as the grid shows them,
 * so scrolling to row 99,000 costs one page, not 500.
 */
export const useBrowseStore = defineStore('browse', () => {
  const prefs = usePrefsStore()
  const history = useLabelHistory()
  const filter = reactive<BrowseFilter>({ ...DEFAULT_FILTER })
  const cache = new PageCache<ImageDto>()
  /** Bumped whenever pages arrive or rows change: what the grid re-renders on. */
  const revision = ref(0)
  const total = ref(0)
  const loading = ref(false)
  const error = ref<string | null>(null)
  const engineClasses = ref<ClassDto[]>([])
  /** The classes in key order: key 1 gives the first. */
  const classes = computed(() => orderClasses(engineClasses.value, prefs.keyOrder))
  const facets = shallowRef<FacetsDto>({ origins: [], versions: [] })
  /** Every attribute with its top values and counts (the toolbar's attribute filter, "Set attribute…"). */
  const attributes = shallowRef<AttributeDto[]>([])
  const focus = ref(0)
  const selected = ref<Set<number>>(new Set())
  const anchor = ref(0)
  /** "Label unlabeled": after each label key, focus goes to the next unlabeled image. */
  const unlabeledMode = ref(false)
  let generation = 0

  const itemAt = (i: number): ImageDto | undefined => cache.get(i)
  const focused = computed(() => (revision.value, itemAt(focus.value) ?? null))

  async function refreshClasses() {
    engineClasses.value = await api.classes()
  }

  async function refreshFacets() {
    facets.value = await api.facets()
    if (filter.version === null && facets.value.versions.length) filter.version = facets.value.versions[0]!.id
  }

  async function refreshAttributes() {
    attributes.value = await api.attributes()
  }

  async function fetchPage(page: number, gen: number) {
    // Only the first page counts the matches; the others are found by position within that count.
    const res = await api.images({ ...filterToQuery(filter, PAGE_SIZE), offset: page * PAGE_SIZE, count: page === 0 })
    if (gen !== generation) return
    cache.set(page, res.items)
    if (res.total !== null) total.value = res.total
    revision.value++
  }

  /** Reloads from the first page for the current filter (and the classes); keeps focus where it was. */
  async function reload() {
    const gen = ++generation
    loading.value = true
    error.value = null
    cache.clear()
    try {
      await Promise.all([fetchPage(0, gen), refreshClasses()])
      if (gen !== generation) return
      focus.value = Math.min(focus.value, Math.max(0, total.value - 1))
      await ensure(focus.value, focus.value)
    } catch (err) {
      if (gen === generation) error.value = (err as Error).message
    } finally {
      if (gen === generation) loading.value = false
    }
  }

  /** Makes sure the rows [start, end] are loaded (the grid calls this with what it shows). */
  async function ensure(start: number, end: number) {
    const gen = generation
    // Half a page either side is fetched ahead, so rows arrive before they scroll into view.
    const ahead = PAGE_SIZE / 2
    const wanted = cache.missing(Math.max(0, start - ahead), Math.min(end + ahead, total.value - 1))
    try {
      await Promise.all(wanted.map((p) => cache.load(p, () => fetchPage(p, gen))))
    } catch (err) {
      if (gen === generation) error.value = (err as Error).message
    }
  }

  function move(delta: number | 'row-up' | 'row-down', columns: number) {
    focus.value = moveFocus(focus.value, delta, columns, total.value)
    anchor.value = focus.value
  }

  function toggleSelect(index = focus.value) {
    const id = itemAt(index)?.id
    if (id === undefined) return
    const next = new Set(selected.value)
    if (next.has(id)) next.delete(id)
    else next.add(id)
    selected.value = next
    anchor.value = index
  }

  async function click(index: number, shift: boolean, toggle = false) {
    focus.value = index
    if (toggle) return toggleSelect(index)
    if (!shift) {
      anchor.value = index
      return
    }
    const range = rangeSelection(anchor.value, index)
    await ensure(range[0]!, range.at(-1)!)
    selected.value = new Set(range.map((i) => itemAt(i)?.id).filter((id): id is number => id !== undefined))
  }

  /** Selects every image matching the filter (up to SELECT_ALL_LIMIT), page by page. */
  async function selectAll() {
    const gen = generation
    const ids: number[] = []
    const limit = 1000
    for (let offset = 0; offset < Math.min(total.value, SELECT_ALL_LIMIT); offset += limit) {
      const page = await api.images({ ...filterToQuery(filter, limit), offset, count: false })
      if (gen !== generation) return
      ids.push(...page.items.map((i) => i.id))
      if (page.items.length < limit) break
    }
    selected.value = new Set(ids.slice(0, SELECT_ALL_LIMIT))
    const cut = total.value > SELECT_ALL_LIMIT ? ` (the first ${SELECT_ALL_LIMIT.toLocaleString()})` : ''
    history.say(`${ids.length.toLocaleString()} images selected${cut}`)
  }

  /** The next unlabeled image after `from`, looking through the list page by page; -1 when there is none. */
  async function nextUnlabeled(from: number): Promise<number> {
    for (let i = from + 1; i < total.value; i++) {
      if (!itemAt(i)) await ensure(i, Math.min(i + PAGE_SIZE - 1, total.value - 1))
      const item = itemAt(i)
      if (item && item.classId === null) return i
    }
    return -1
  }

  /** The images an action applies to: the selection, else the focused image. */
  const targets = () => (selected.value.size ? [...selected.value] : focused.value ? [focused.value.id] : [])

  /** Gives the targets the class of label key `classIndex + 1` (null: clears their label). */
  async function assign(classIndex: number | null) {
    const ids = targets()
    const cls = classIndex === null ? null : classes.value[classIndex]
    if (cls === undefined) return history.say(noClassMessage((classIndex ?? 0) + 1, classes.value.length))
    if (!ids.length) return
    const r = await api.setLabels({ imageIds: ids, classId: cls ? cls.id : null })
    const set = new Set(ids)
    let name = ''
    cache.update((i) => {
      if (!set.has(i.id)) return i
      name = i.name
      return { ...i, classId: cls?.id ?? null, className: cls?.name ?? null }
    })
    revision.value++
    history.labeled(labeledMessage(ids.length, name, r.changed, cls?.name ?? null), r.actionId !== null)
    if (!selected.value.size) {
      const next = unlabeledMode.value ? await nextUnlabeled(focus.value) : focus.value + 1
      if (next < 0) history.say(`${history.message} · no unlabeled image after this one`)
      else focus.value = Math.min(next, total.value - 1)
    }
    selected.value = new Set()
    await refreshClasses()
  }

  /**
   * Sets (`value`) or clears (null) one attribute on the targets, as one undoable change (this page's
   * stack: the engine's label log holds labels only). Rejects with the engine's reason (a built-in name).
   */
  async function changeAttribute(name: string, value: string | null) {
    const ids = targets()
    if (!ids.length) return
    const r =
      value === null
        ? await api.clearAttribute({ imageIds: ids, name })
        : await api.setAttribute({ imageIds: ids, name, value })
    const after = [{ value: r.value, imageIds: r.before.flatMap((g) => g.imageIds) }]
    history.changed({ kind: 'attribute', name: r.name, from: r.before, to: after }, attributeMessage(r, ids.length))
    // The filter may now leave the changed images out (or take others in).
    await Promise.all([refreshAttributes(), reload()])
  }

  /** Forgets everything about the previous project (another one was opened). */
  function reset() {
    generation++
    Object.assign(filter, DEFAULT_FILTER)
    cache.clear()
    total.value = 0
    focus.value = 0
    anchor.value = 0
    selected.value = new Set()
    engineClasses.value = []
    facets.value = { origins: [], versions: [] }
    attributes.value = []
    history.reset()
  }

  return {
    filter,
    total,
    revision,
    loading,
    error,
    classes,
    facets,
    attributes,
    focus,
    selected,
    unlabeledMode,
    focused,
    itemAt,
    reset,
    reload,
    ensure,
    move,
    toggleSelect,
    click,
    selectAll,
    assign,
    refreshClasses,
    refreshFacets,
    refreshAttributes,
    changeAttribute,
  }
})
