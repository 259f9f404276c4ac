import { defineStore } from 'pinia'
import { computed, ref, watch } from 'vue'
import type { ClassDto } from '../../../preload/contract'
import { api } from '../api'
import { orderClasses } from '../composables/key-order'
import { useAppStore } from './app'
import { usePrefsStore } from './prefs'

/**
 * The classes as Review and Label next offer them: in the label-key order the user set in Browse, so
 * key 3 gives the same class in every view.
 */
export const useLabelClassesStore = defineStore('label-classes', () => {
  const prefs = usePrefsStore()
  const engine = ref<ClassDto[]>([])
  const classes = computed(() => orderClasses(engine.value, prefs.keyOrder))
  let generation = 0

  async function load() {
    const gen = generation
    const list = await api.classes()
    if (gen === generation) engine.value = list
  }

  const app = useAppStore()
  watch(
    () => app.info?.project ?? null,
    () => {
      generation++
      engine.value = []
    },
  )

  return { classes, load }
})
