import { defineStore } from 'pinia'
import { ref, shallowRef, watch } from 'vue'
import type { FindingKind, HealthDto, ImageDto } from '../../../preload/contract'
import { api } from '../api'
import { coalesced } from '../composables/coalesce'
import { useAppStore } from './app'
import { useEventsStore } from './events'

/** Findings whose groups the Health view draws as thumbnail strips. */
const GROUP_KINDS: readonly FindingKind[] = ['near-duplicate', 'split-leakage']

/**
 * The health report of the open project for the Health view. While the view is open it follows
 * "health-changed" (imports, label changes, the signal backfill); while it is closed the report is
 * only marked stale and fetched again when the view opens.
 */
export const useHealthStore = defineStore('health', () => {
  const report = shallowRef<HealthDto | null>(null)
  const error = ref('')
  /** Images of the group findings by id (the report names ids; a thumbnail needs the hash). */
  const images = shallowRef<Map<number, ImageDto>>(new Map())
  let viewers = 0
  let stale = true
  let generation = 0

  async function fetchReport() {
    const gen = generation
    try {
      const r = await api.health({})
      if (gen !== generation) return
      report.value = r
      error.value = ''
      stale = false
      await fetchGroupImages(r, gen)
    } catch (err) {
      if (gen === generation) error.value = (err as Error).message
    }
  }

  async function fetchGroupImages(r: HealthDto, gen: number) {
    const byId = new Map<number, ImageDto>()
    for (const f of r.findings) {
      if (!GROUP_KINDS.includes(f.kind) || !f.groups?.length) continue
      const page = await api.images({ finding: f.kind, limit: 1000, count: false })
      for (const img of page.items) byId.set(img.id, img)
    }
    if (gen === generation) images.value = byId
  }

  const refresh = coalesced(fetchReport)

  /** The view opened: fetch the report unless the one held is current. Returns the close function. */
  function open(): () => void {
    viewers++
    if (stale || !report.value) void refresh()
    return () => void viewers--
  }

  const events = useEventsStore()
  events.on('health-changed', () => {
    stale = true
    if (viewers > 0) void refresh()
  })
  // The backfill's end makes the pending checks final, whether or not a health-changed follows.
  events.on('job-finished', (e) => {
    if (e.kind !== 'backfill') return
    stale = true
    if (viewers > 0) void refresh()
  })

  const app = useAppStore()
  watch(
    () => app.info?.project ?? null,
    (project) => {
      generation++
      report.value = null
      images.value = new Map()
      error.value = ''
      stale = true
      if (project && viewers > 0) void refresh()
    },
  )

  return { report, error, images, open, refresh }
})
