import { defineStore } from 'pinia'
import { shallowRef, watch } from 'vue'
import type { ExportDto, RequestOf } from '../../../preload/contract'
import { api } from '../api'
import { useAppStore } from './app'
import { useEventsStore } from './events'
import { useJobsStore } from './jobs'

/**
 * The model export (the engine's 'export' job): started here, its progress and Cancel in the jobs
 * store, its result (formats with their self-tests, the re-rendered card) from the export-finished
 * event. Kept out of the view, so leaving Export while the self-test runs loses nothing.
 */
export const useModelExportStore = defineStore('model-export', () => {
  const result = shallowRef<ExportDto | null>(null)
  const jobs = useJobsStore()

  /** Starts the export; false when it was refused (the jobs store then holds the reason). */
  async function start(req: RequestOf<'exportRun'>): Promise<boolean> {
    result.value = null
    return jobs.start('export', () => api.exportRun(req))
  }

  function clear() {
    result.value = null
    jobs.clear('export')
  }

  const events = useEventsStore()
  events.on('export-finished', (e) => (result.value = e.result))
  const app = useAppStore()
  watch(
    () => app.info?.project ?? null,
    () => (result.value = null),
  )

  return { result, start, clear }
})
