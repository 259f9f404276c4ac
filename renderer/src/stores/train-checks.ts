import { defineStore } from 'pinia'
import { computed, ref, shallowRef, watch } from 'vue'
import type { FindingDto, HealthDto } from '../../../preload/contract'
import { api } from '../api'
import { coalesced } from '../composables/coalesce'
import { trainWarnings, warningKey } from '../composables/health'
import { useAppStore } from './app'
import { useEventsStore } from './events'
import { useTrainingStore } from './training'

/**
 * The health warnings the Train view shows before a run starts: the findings that concern the
 * version the run will train on (leakage across its splits, or across the imported folders with
 * "keep imported train/val/test folders"; tiny and empty classes; conflicting labels). Each can be
 * dismissed; a dismissed warning comes back when it changes.
 */
export const useTrainChecksStore = defineStore('train-checks', () => {
  const training = useTrainingStore()
  const report = shallowRef<HealthDto | null>(null)
  const dismissed = ref<Set<string>>(new Set())
  let viewers = 0
  let generation = 0

  const warnings = computed<FindingDto[]>(() =>
    trainWarnings(report.value).filter((f) => !dismissed.value.has(warningKey(f))),
  )

  const refresh = coalesced(async () => {
    const gen = generation
    try {
      const r = await api.health({ useOriginSplits: training.form.useOriginSplits })
      if (gen === generation) report.value = r
    } catch {
      // The warnings are advice: without a report (an older engine, a failed check) Train still works.
      if (gen === generation) report.value = null
    }
  })

  function dismiss(f: FindingDto) {
    dismissed.value = new Set([...dismissed.value, warningKey(f)])
  }

  /** The Train view opened; returns the function that says it closed. */
  function open(): () => void {
    viewers++
    void refresh()
    return () => void viewers--
  }

  watch(
    () => training.form.useOriginSplits,
    () => {
      if (viewers > 0) void refresh()
    },
  )
  const events = useEventsStore()
  events.on('health-changed', () => {
    if (viewers > 0) void refresh()
  })
  // A run freezes a new dataset version: its splits are the ones to check now.
  events.on('train-started', () => {
    if (viewers > 0) void refresh()
  })

  const app = useAppStore()
  watch(
    () => app.info?.project ?? null,
    (project) => {
      generation++
      report.value = null
      dismissed.value = new Set()
      if (project && viewers > 0) void refresh()
    },
  )

  return { report, warnings, dismiss, open, refresh }
})
