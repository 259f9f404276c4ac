import { defineStore } from 'pinia'
import { computed, ref, watch } from 'vue'
import { parseOrder } from '../composables/key-order'
import { DEFAULT_BINDINGS, parseBindings, rebind, type Bindable, type KeyBindings } from '../composables/useKeyboard'
import { useAppStore } from './app'

/** localStorage where there is one (the unit tests run without). */
const storage = (): Storage | null => (typeof localStorage === 'undefined' ? null : localStorage)
const read = (key: string) => storage()?.getItem(key) ?? null
const write = (key: string, value: unknown) => storage()?.setItem(key, JSON.stringify(value))

/**
 * Preferences of this browser, kept in localStorage: the action keys (for every project), and per
 * project the class key order, file names on tiles and which side panels are collapsed.
 */
export const usePrefsStore = defineStore('prefs', () => {
  const app = useAppStore()
  const bindings = ref<KeyBindings>(parseBindings(read('studio-keys')))
  const keyOrder = ref<number[]>([])
  const showNames = ref(false)
  const collapsed = ref<{ classes: boolean; detail: boolean }>({ classes: false, detail: false })
  const project = computed(() => app.info?.project ?? '')

  watch(
    project,
    (p) => {
      keyOrder.value = parseOrder(read(`studio-key-order:${p}`))
      showNames.value = read('studio-show-names') === 'true'
      const c = read('studio-panels')
      collapsed.value = { classes: Boolean(c?.includes('classes')), detail: Boolean(c?.includes('detail')) }
    },
    { immediate: true },
  )

  function setKeyOrder(ids: number[]) {
    keyOrder.value = ids
    write(`studio-key-order:${project.value}`, ids)
  }

  /** Gives `action` the key; false when that key cannot be bound (1–9, Esc, ?, Tab). */
  function bind(action: Bindable, key: string): boolean {
    const next = rebind(bindings.value, action, key)
    if (!next) return false
    bindings.value = next
    write('studio-keys', next)
    return true
  }

  function resetBindings() {
    bindings.value = { ...DEFAULT_BINDINGS }
    storage()?.removeItem('studio-keys')
  }

  function toggleNames() {
    showNames.value = !showNames.value
    write('studio-show-names', showNames.value)
  }

  function togglePanel(which: 'classes' | 'detail') {
    collapsed.value = { ...collapsed.value, [which]: !collapsed.value[which] }
    write(
      'studio-panels',
      (['classes', 'detail'] as const).filter((k) => collapsed.value[k]),
    )
  }

  return { bindings, keyOrder, showNames, collapsed, setKeyOrder, bind, resetBindings, toggleNames, togglePanel }
})
