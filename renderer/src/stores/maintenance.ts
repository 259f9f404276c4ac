import { defineStore } from 'pinia'
import { ref, shallowRef, watch } from 'vue'
import type { BackupDto, CheckDto } from '../../../preload/contract'
import { api } from '../api'
import { isExistsRefusal } from '../composables/maintenance'
import { useAppStore } from './app'
import { useEventsStore } from './events'
import { useJobsStore } from './jobs'

/**
 * The project check and the backup (the engine's 'check' and 'backup' jobs): started here, their
 * progress and Cancel in the jobs store, their results from check-finished / backup-finished. Kept
 * out of the Settings view, so leaving it while a check runs loses nothing.
 */
export const useMaintenanceStore = defineStore('maintenance', () => {
  const jobs = useJobsStore()
  const check = shallowRef<CheckDto | null>(null)
  const backup = shallowRef<BackupDto | null>(null)
  /** A path the user asked to back up to that exists: the view asks before replacing it. */
  const confirmReplace = ref<string | null>(null)

  async function startCheck(): Promise<boolean> {
    check.value = null
    return jobs.start('check', () => api.startCheck())
  }

  /**
   * Starts a backup to `path`. An existing file is not replaced unless `overwrite`: the refusal turns
   * into a question (`confirmReplace`) instead of an error.
   */
  async function startBackup(path: string, overwrite = false): Promise<boolean> {
    backup.value = null
    confirmReplace.value = null
    let exists = false
    const ok = await jobs.start('backup', async () => {
      try {
        return await api.startBackup({ path, ...(overwrite ? { overwrite } : {}) })
      } catch (err) {
        exists = isExistsRefusal(err)
        throw err
      }
    })
    if (exists) {
      jobs.clear('backup')
      confirmReplace.value = path
    }
    return ok
  }

  function clearCheck() {
    check.value = null
    jobs.clear('check')
  }

  function clearBackup() {
    backup.value = null
    confirmReplace.value = null
    jobs.clear('backup')
  }

  const events = useEventsStore()
  events.on('check-finished', (e) => (check.value = e.result))
  events.on('backup-finished', (e) => (backup.value = e.result))
  const app = useAppStore()
  watch(
    () => app.info?.project ?? null,
    () => {
      check.value = null
      backup.value = null
      confirmReplace.value = null
    },
  )

  return { check, backup, confirmReplace, startCheck, startBackup, clearCheck, clearBackup }
})
