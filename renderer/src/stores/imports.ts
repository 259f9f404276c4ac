import { defineStore } from 'pinia'
import { computed, ref, shallowRef, watch } from 'vue'
import type { ImportErrorDto } from '../../../preload/contract'
import { api } from '../api'
import {
  applyImportEvent,
  canStartImport,
  IDLE_IMPORT,
  importAccepted,
  importRefused,
  importRequested,
  type ImportState,
} from '../composables/import-state'
import { useAppStore } from './app'
import { useEventsStore } from './events'

/**
 * Imports: the form, the import in progress and the import-error list. The state lives here, not in
 * the view, so an import keeps its progress while the user browses, and the reply/event ordering is
 * handled in one place (composables/import-state.ts).
 */
export const useImportsStore = defineStore('imports', () => {
  const source = ref('')
  const layout = ref<'auto' | 'flat'>('auto')
  const state = shallowRef<ImportState>(IDLE_IMPORT)
  const errors = ref<ImportErrorDto[]>([])
  const busy = computed(() => state.value.phase !== 'idle')
  const canStart = computed(() => canStartImport(state.value, source.value))
  let generation = 0

  async function start() {
    if (!canStart.value) return
    state.value = importRequested(state.value)
    try {
      await api.startImport({ source: source.value.trim(), layout: layout.value })
      state.value = importAccepted(state.value)
    } catch (err) {
      state.value = importRefused(state.value, (err as Error).message)
    }
  }

  async function cancel() {
    await api.cancelImport()
  }

  async function loadErrors() {
    const gen = generation
    const list = await api.importErrors()
    if (gen === generation) errors.value = list
  }

  const events = useEventsStore()
  events.on('import-progress', (e) => (state.value = applyImportEvent(state.value, e)))
  events.on('import-finished', (e) => {
    state.value = applyImportEvent(state.value, e)
    void loadErrors().catch(() => {})
  })

  const app = useAppStore()
  watch(
    () => app.info?.project ?? null,
    (project) => {
      generation++
      state.value = IDLE_IMPORT
      errors.value = []
      if (project) void loadErrors().catch(() => {})
    },
    { immediate: true },
  )

  return { source, layout, state, errors, busy, canStart, start, cancel, loadErrors }
})
