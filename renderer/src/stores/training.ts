import { defineStore } from 'pinia'
import { computed, reactive, ref, shallowRef, watch } from 'vue'
import type { PresetDto, TrainRequestDto } from '../../../preload/contract'
import { api, ApiError } from '../api'
import {
  applyTrainingEvent,
  restoredLiveRun,
  runningRun,
  type LiveRun,
  type TrainingEvent,
} from '../composables/live-run'
import { retrying } from '../composables/retry'
import { EMPTY_FORM, formFor, formFromConfig, trainRequest, type TrainForm } from '../composables/train-form'
import { humanStartError, validateTrainForm } from '../composables/train-validate'
import { useAppStore } from './app'
import { useEventsStore } from './events'
import { useRunsStore } from './runs'

/**
 * The Train form and the live run. Both outlive the Train view: leaving it and coming back shows the
 * same run (status, curves, Cancel) and the same settings; after a reload the running run is rebuilt
 * from the engine (`runs()` and `epochs()`), and events keep it going either way.
 */
export const useTrainingStore = defineStore('training', () => {
  const presets = ref<PresetDto[]>([])
  const backbones = ref<string[]>([])
  const form = reactive<TrainForm>({ ...EMPTY_FORM })
  const preset = computed(() => presets.value.find((p) => p.name === form.preset))
  const live = shallowRef<LiveRun | null>(null)
  const error = ref('')
  /** The start request is out; Start stays disabled until it is answered. */
  const starting = ref(false)
  const running = computed(() => live.value?.status === 'running')
  /** The form's problems by field; Start stays disabled while there is any. */
  const problems = computed(() => validateTrainForm(form, preset.value))
  const valid = computed(() => Object.keys(problems.value).length === 0)
  const canStart = computed(() => !running.value && !starting.value && preset.value !== undefined && valid.value)
  /** "Train the best model" needs no form: only no run going and no start out. */
  const canStartAuto = computed(() => !running.value && !starting.value)
  let generation = 0

  /** Fills the form with a preset's defaults (the engine's); settings that do not depend on it stay. */
  function choosePreset(name: string) {
    const p = presets.value.find((x) => x.name === name)
    if (p) Object.assign(form, formFor(p, { useOriginSplits: form.useOriginSplits }))
  }

  /** Starts a run from the form, or from `override` ("Train the best model" sends its budget only). */
  async function start(override?: TrainRequestDto) {
    const p = preset.value
    if (override ? !canStartAuto.value : !p || !canStart.value) return
    error.value = ''
    starting.value = true
    try {
      // The engine reports a run's end a moment before its process has exited and it takes a new one;
      // a Start pressed in that moment is retried instead of refused with "already running".
      const ended = live.value !== null && live.value.status !== 'running'
      const conflict = (err: unknown) => ended && err instanceof ApiError && err.name === 'ConflictError'
      const request = override ?? trainRequest(form, p!)
      const { runId } = await retrying(() => api.startTraining(request), conflict, { tries: 20, delayMs: 250 })
      // Its first events may have come before this answer and made it the live run already.
      if (live.value?.runId !== runId)
        live.value = applyTrainingEvent(live.value, { type: 'train-status', runId, status: 'running', message: null })
    } catch (err) {
      error.value = humanStartError((err as Error).message)
      // The engine has a run this page does not know of (another tab started it): show it.
      if (err instanceof ApiError && err.name === 'ConflictError') await restore()
    } finally {
      starting.value = false
    }
  }

  async function cancel() {
    await api.cancelTraining()
  }

  /** Continues a cancelled or failed run from its last checkpoint; its curve so far comes back too. */
  async function resume(runId: number) {
    error.value = ''
    starting.value = true
    try {
      await api.resumeTraining({ runId })
      live.value = null
      await restore()
    } catch (err) {
      error.value = humanStartError((err as Error).message)
    } finally {
      starting.value = false
    }
  }

  /**
   * Rebuilds the live run from the engine: the run still running and its logged epochs. `showSettings`
   * (a page that has just opened the project) also puts that run's settings in the form.
   */
  async function restore(showSettings = false) {
    const gen = generation
    const run = runningRun(await useRunsStore().load())
    if (!run || gen !== generation) return
    const epochs = await api.epochs({ runId: run.run })
    if (gen !== generation) return
    live.value = restoredLiveRun(live.value, run, epochs)
    const p = presets.value.find((x) => x.name === run.preset)
    if (showSettings && p) Object.assign(form, formFromConfig(p, run.config))
  }

  async function loadChoices() {
    const gen = generation
    const [p, b] = await Promise.all([api.presets(), api.backbones()])
    if (gen !== generation) return
    presets.value = p
    backbones.value = b
    if (!preset.value && p[0]) choosePreset(p[0].name)
  }

  function onTraining(e: TrainingEvent) {
    const before = live.value
    live.value = applyTrainingEvent(before, e)
    // A refusal ("already running") says nothing once that run has ended.
    if (e.type === 'train-status' && e.status !== 'running' && before?.runId === e.runId) error.value = ''
  }
  const events = useEventsStore()
  events.on('train-batch', onTraining)
  events.on('train-epoch', onTraining)
  events.on('train-started', onTraining)
  events.on('train-status', onTraining)

  const app = useAppStore()
  watch(
    () => app.info?.project ?? null,
    (project) => {
      generation++
      live.value = null
      error.value = ''
      presets.value = []
      if (!project) return
      // The presets first: the restored run's settings are shown through its preset's form.
      loadChoices()
        .then(() => restore(true))
        .catch((err: Error) => (error.value = err.message))
    },
    { immediate: true },
  )

  return {
    presets,
    backbones,
    form,
    preset,
    live,
    error,
    starting,
    running,
    problems,
    valid,
    canStart,
    canStartAuto,
    choosePreset,
    start,
    resume,
    cancel,
    restore,
  }
})
