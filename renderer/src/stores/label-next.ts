import { defineStore } from 'pinia'
import { computed, ref, shallowRef, watch } from 'vue'
import type { LabelQueueDto, QueueItemDto } from '../../../preload/contract'
import { api } from '../api'
import { noClassMessage } from '../composables/key-order'
import { afterLabel, putBack, scoringRun, type UncertaintyBy } from '../composables/label-next'
import { undoMessage } from '../composables/messages'
import { fileName } from '../composables/quality-keys'
import { useAppStore } from './app'
import { useEventsStore } from './events'
import { useJobsStore } from './jobs'
import { useLabelClassesStore } from './label-classes'
import { useRunsStore } from './runs'

/** Items fetched at a time; the queue is fetched again when fewer than REFILL are left. */
const LIMIT = 100
const REFILL = 5

/**
 * "Label next": unlabeled images, the most uncertain of each predicted class in turn (the most
 * uncertain overall first), each with the model's suggested label. One
 * labeling session's counts (labeled, accepted as suggested) last until the project closes.
 */
export const useLabelNextStore = defineStore('label-next', () => {
  const jobs = useJobsStore()
  const runs = useRunsStore()
  const labels = useLabelClassesStore()
  const by = ref<UncertaintyBy>('margin')
  const queue = shallowRef<LabelQueueDto | null>(null)
  const items = shallowRef<QueueItemDto[]>([])
  const index = ref(0)
  const labeled = ref(0)
  const accepted = ref(0)
  const error = ref('')
  const message = ref<{ text: string; undo: boolean } | null>(null)
  const busy = ref(false)
  /** The last labeling done here, for Undo: the item goes back where it was and the counts down. */
  let last: { item: QueueItemDto; at: number; accepted: boolean } | null = null
  let generation = 0

  const current = computed(() => items.value[index.value] ?? null)
  const run = computed(() => scoringRun(runs.list ?? []))

  async function load() {
    const gen = generation
    try {
      const [q] = await Promise.all([api.labelQueue({ by: by.value, limit: LIMIT }), labels.load()])
      if (gen !== generation) return
      queue.value = q
      items.value = q.items
      index.value = Math.min(index.value, Math.max(0, q.items.length - 1))
      error.value = ''
    } catch (err) {
      if (gen === generation) error.value = (err as Error).message
    }
  }

  function setOrder(order: UncertaintyBy) {
    by.value = order
    index.value = 0
    void load()
  }

  async function label(item: QueueItemDto, classId: number, className: string) {
    if (busy.value) return
    busy.value = true
    try {
      await api.setLabels({ imageIds: [item.imageId], classId })
      const wasSuggested = classId === item.suggestedClassId
      last = { item, at: index.value, accepted: wasSuggested }
      labeled.value++
      if (wasSuggested) accepted.value++
      const next = afterLabel(items.value, index.value, item.imageId)
      items.value = next.items
      index.value = next.index
      if (queue.value) queue.value = { ...queue.value, remaining: Math.max(0, queue.value.remaining - 1) }
      message.value = { text: `${fileName(item.path)} → ${className}`, undo: true }
      if (items.value.length < REFILL && (queue.value?.remaining ?? 0) > items.value.length) await load()
    } catch (err) {
      message.value = { text: `${fileName(item.path)}: ${(err as Error).message}`, undo: false }
    } finally {
      busy.value = false
    }
  }

  function accept() {
    const item = current.value
    if (!item) return
    if (item.suggestedClassId === null || item.suggested === null)
      return void (message.value = { text: 'No suggestion for this image: pick its class with 1–9.', undo: false })
    return label(item, item.suggestedClassId, item.suggested)
  }

  function pick(classIndex: number) {
    const item = current.value
    const c = labels.classes[classIndex]
    if (!item) return
    if (!c) return void (message.value = { text: noClassMessage(classIndex + 1, labels.classes.length), undo: false })
    return label(item, c.id, c.name)
  }

  function move(delta: number) {
    index.value = Math.max(0, Math.min(items.value.length - 1, index.value + delta))
  }

  async function undo() {
    try {
      const r = await api.undo()
      message.value = { text: undoMessage('undo', r?.changed ?? null), undo: false }
      if (r && last) {
        labeled.value = Math.max(0, labeled.value - 1)
        if (last.accepted) accepted.value = Math.max(0, accepted.value - 1)
        items.value = putBack(items.value, last.at, last.item)
        index.value = last.at
        if (queue.value) queue.value = { ...queue.value, remaining: queue.value.remaining + 1 }
      }
      last = null
    } catch (err) {
      message.value = { text: (err as Error).message, undo: false }
    }
  }

  /** Scores every image with the latest finished run, so the queue has an order and suggestions. */
  function score() {
    const r = run.value
    if (!r) return Promise.resolve(false)
    return jobs.start('score', () => api.startScoring({ runId: r.run }))
  }

  const events = useEventsStore()
  events.on('job-finished', (e) => {
    if (e.kind === 'score' && e.status === 'done' && queue.value) void load()
  })
  // A retrained model orders the queue anew (its source is the latest run).
  watch(
    () => run.value?.run ?? null,
    (now, before) => {
      if (now !== before && queue.value) void load()
    },
  )

  const app = useAppStore()
  watch(
    () => app.info?.project ?? null,
    () => {
      generation++
      queue.value = null
      items.value = []
      index.value = 0
      labeled.value = 0
      accepted.value = 0
      message.value = null
      last = null
    },
  )

  return {
    by,
    queue,
    items,
    index,
    current,
    run,
    labeled,
    accepted,
    error,
    message,
    busy,
    load,
    setOrder,
    accept,
    pick,
    move,
    undo,
    score,
  }
})
