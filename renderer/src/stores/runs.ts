import { defineStore } from 'pinia'
import { computed, ref, watch } from 'vue'
import type { EpochDto, RunDto } from '../../../preload/contract'
import { api } from '../api'
import { useAppStore } from './app'
import { useEventsStore } from './events'

/** The open project's training runs, fetched in one place for every view; refreshed when a run starts or ends. */
export const useRunsStore = defineStore('runs', () => {
  const list = ref<RunDto[] | null>(null)
  const error = ref('')
  /** Runs with a model: what Evaluate, Export and the predictions lens offer. */
  const finished = computed(() => (list.value ?? []).filter((r) => r.status === 'done'))
  let generation = 0

  async function load(): Promise<RunDto[]> {
    const gen = ++generation
    try {
      const runs = await api.runs()
      // A slower, older answer never replaces a newer one.
      if (gen === generation) {
        list.value = runs
        error.value = ''
      }
      return runs
    } catch (err) {
      if (gen === generation) error.value = (err as Error).message
      throw err
    }
  }
  const refresh = () => void load().catch(() => {})

  /** Epoch logs for comparisons; a run's log is fetched once unless it is still running (then it grows). */
  const curves = ref<Record<number, EpochDto[]>>({})
  async function loadCurves(ids: number[]) {
    const gen = generation
    for (const id of ids) {
      const running = list.value?.some((r) => r.run === id && r.status === 'running')
      if (curves.value[id] && !running) continue
      const epochs = await api.epochs({ runId: id })
      if (gen === generation) curves.value = { ...curves.value, [id]: epochs }
    }
  }

  const events = useEventsStore()
  events.on('train-started', refresh)
  events.on('train-status', (e) => {
    if (e.status !== 'running') refresh()
  })

  const app = useAppStore()
  watch(
    () => app.info?.project ?? null,
    (project) => {
      generation++
      list.value = null
      curves.value = {}
      error.value = ''
      if (project) refresh()
    },
    { immediate: true },
  )

  return { list, error, finished, curves, load, refresh, loadCurves }
})
