import { defineStore } from 'pinia'
import { ref, watch } from 'vue'
import type { JobKind } from '../../../preload/contract'
import { api } from '../api'
import { applyJobEvent, idleJob, jobActive, jobRefused, type JobState } from '../composables/jobs'
import { useAppStore } from './app'
import { useEventsStore } from './events'

/**
 * The project's background jobs (scoring, label check, signal backfill) as the engine reports them.
 * Kept here, not in a view, so a check started in Review keeps its progress bar when the user leaves
 * and comes back.
 */
export const useJobsStore = defineStore('jobs', () => {
  const jobs = ref<Partial<Record<JobKind, JobState>>>({})
  const set = (kind: JobKind, j: JobState) => (jobs.value = { ...jobs.value, [kind]: j })

  /**
   * Starts a job through its request. The state says "starting" before the request goes out, so the
   * job's first events (which can beat the reply) land on it; a refusal shows as a failed job.
   */
  async function start(kind: JobKind, request: () => Promise<{ started: true }>): Promise<boolean> {
    if (jobActive(jobs.value[kind])) return false
    set(kind, idleJob(kind))
    try {
      await request()
      return true
    } catch (err) {
      set(kind, jobRefused(jobs.value[kind], kind, (err as Error).message))
      return false
    }
  }

  async function cancel(kind: JobKind): Promise<void> {
    await api.cancelJob({ kind })
  }

  /** Forgets how a finished job ended (its message), so the view shows its idle state again. */
  function clear(kind: JobKind) {
    if (jobActive(jobs.value[kind])) return
    const rest = { ...jobs.value }
    delete rest[kind]
    jobs.value = rest
  }

  const events = useEventsStore()
  events.on('job-progress', (e) => set(e.kind, applyJobEvent(jobs.value[e.kind], e)))
  events.on('job-finished', (e) => set(e.kind, applyJobEvent(jobs.value[e.kind], e)))

  const app = useAppStore()
  watch(
    () => app.info?.project ?? null,
    () => (jobs.value = {}),
  )

  return { jobs, start, cancel, clear }
})
