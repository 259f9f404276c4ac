import { defineStore } from 'pinia'
import { computed, ref, shallowRef, watch } from 'vue'
import type { SuspectDto, SuspectsDto } from '../../../preload/contract'
import { api } from '../api'
import { noClassMessage } from '../composables/key-order'
import { fileName } from '../composables/quality-keys'
import { decisionMessage, withoutSuspect } from '../composables/review'
import { undoMessage } from '../composables/messages'
import { useAppStore } from './app'
import { useEventsStore } from './events'
import { useJobsStore } from './jobs'
import { useLabelClassesStore } from './label-classes'

/** How many suspects the view holds at once; the next ones come when these are decided. */
const PAGE = 200

/**
 * Review (label issues): the latest label check's undecided suspects, one at a time. Every decision
 * goes through the engine's label log (decideSuspect), so Undo takes it back like any label change.
 */
export const useReviewStore = defineStore('review', () => {
  const jobs = useJobsStore()
  const labels = useLabelClassesStore()
  const data = shallowRef<SuspectsDto | null>(null)
  /** Backbones the check can use; an empty list means the check cannot run here. */
  const backbones = ref<string[] | null>(null)
  const backbone = ref('')
  const index = ref(0)
  const error = ref('')
  /** The message after a decision; `undo`: it changed a label, so Undo can take it back. */
  const message = ref<{ text: string; undo: boolean } | null>(null)
  const busy = ref(false)
  /** Images of the decisions that changed a label, latest last: Undo shows that suspect again. */
  let decided: number[] = []
  let generation = 0

  const suspects = computed(() => data.value?.suspects ?? [])
  const current = computed<SuspectDto | null>(() => suspects.value[index.value] ?? null)
  const checking = computed(() => ['starting', 'running'].includes(jobs.jobs['label-check']?.status ?? ''))

  async function load(focusImage?: number) {
    const gen = generation
    try {
      const [s, b] = await Promise.all([api.suspects({ limit: PAGE }), api.backbones(), labels.load()])
      if (gen !== generation) return
      data.value = s
      backbones.value = b
      error.value = ''
      const at = focusImage === undefined ? -1 : s.suspects.findIndex((x) => x.imageId === focusImage)
      index.value = at >= 0 ? at : Math.min(index.value, Math.max(0, s.suspects.length - 1))
    } catch (err) {
      if (gen === generation) error.value = (err as Error).message
    }
  }

  function startCheck() {
    message.value = null
    const req = backbone.value ? { backbone: backbone.value } : {}
    return jobs.start('label-check', () => api.startLabelCheck(req))
  }

  async function decide(s: SuspectDto, decision: 'accept' | 'keep' | 'relabel', classId?: number) {
    if (busy.value) return
    busy.value = true
    try {
      const r = await api.decideSuspect({ imageId: s.imageId, decision, ...(classId ? { classId } : {}) })
      if (data.value) data.value = withoutSuspect(data.value, s.imageId)
      index.value = Math.min(index.value, Math.max(0, suspects.value.length - 1))
      const to = labels.classes.find((c) => c.id === classId)?.name ?? s.suggested
      message.value = { text: decisionMessage(s, decision, to), undo: r.actionId !== null }
      if (r.actionId !== null) decided = [...decided.slice(-49), s.imageId]
      // Decided down to the last few held: fetch the next ones behind them.
      if (suspects.value.length === 0 && (data.value?.total ?? 0) > 0) await load()
    } catch (err) {
      message.value = { text: `${fileName(s.path)}: ${(err as Error).message}`, undo: false }
    } finally {
      busy.value = false
    }
  }

  const accept = () => current.value && decide(current.value, 'accept')
  const keep = () => current.value && decide(current.value, 'keep')

  /** A class by its key: the suggestion accepts, the current label keeps, any other relabels. */
  function pick(classIndex: number) {
    const s = current.value
    if (!s) return
    const c = labels.classes[classIndex]
    if (!c) return void (message.value = { text: noClassMessage(classIndex + 1, labels.classes.length), undo: false })
    if (c.id === s.suggestedClassId) return decide(s, 'accept')
    if (c.id === s.labelClassId) return decide(s, 'keep')
    return decide(s, 'relabel', c.id)
  }

  function move(delta: number) {
    index.value = Math.max(0, Math.min(suspects.value.length - 1, index.value + delta))
  }

  /** Takes the last label change back (the engine's undo) and shows that suspect again. */
  async function undo() {
    try {
      const r = await api.undo()
      message.value = { text: undoMessage('undo', r?.changed ?? null), undo: false }
      await load(decided.pop())
    } catch (err) {
      message.value = { text: (err as Error).message, undo: false }
    }
  }

  const events = useEventsStore()
  events.on('job-finished', (e) => {
    if (e.kind === 'label-check' && e.status === 'done') void load()
  })

  const app = useAppStore()
  watch(
    () => app.info?.project ?? null,
    () => {
      generation++
      data.value = null
      backbones.value = null
      index.value = 0
      message.value = null
      decided = []
    },
  )

  return {
    data,
    suspects,
    current,
    index,
    backbones,
    backbone,
    error,
    message,
    busy,
    checking,
    load,
    startCheck,
    accept,
    keep,
    pick,
    move,
    undo,
  }
})
