import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { LabelQueueDto } from '../../preload/contract'
import {
  afterLabel,
  putBack,
  queueSummary,
  scoringOffer,
  scoringRun,
  sessionText,
} from '../../renderer/src/composables/label-next'
import { useAppStore } from '../../renderer/src/stores/app'
import { useLabelNextStore } from '../../renderer/src/stores/label-next'
import { useRunsStore } from '../../renderer/src/stores/runs'
import { fake, settle, run } from './fake-api'
import { CLASSES, quality, queued } from './fake-quality'

vi.mock('../../renderer/src/api', () => import('./fake-api').then((m) => m.apiModule))

const queue = (ids: number[], over: Partial<LabelQueueDto> = {}): LabelQueueDto => ({
  source: 'run 2 (scored 2026-01-02 10:00)',
  runId: 2,
  by: 'margin',
  items: ids.map((id) => queued(id)),
  remaining: ids.length,
  ...over,
})

async function opened() {
  const next = useLabelNextStore()
  useAppStore().info = { version: '1', shell: 'browser', project: '/p' }
  await settle()
  await next.load()
  return next
}

beforeEach(() => {
  setActivePinia(createPinia())
  fake.handlers.length = 0
  vi.clearAllMocks()
  fake.api.runs.mockResolvedValue([run(1, 'done'), run(2, 'done'), run(3, 'failed')])
  quality.classes.mockResolvedValue(CLASSES)
  quality.labelQueue.mockResolvedValue(queue([1, 2, 3, 4, 5, 6, 7]))
  quality.setLabels.mockResolvedValue({ actionId: 1, changed: 1 })
})

describe('Label next store', () => {
  it('Enter accepts the suggestion, a class key picks another; the counter tells them apart', async () => {
    const next = await opened()
    expect(quality.labelQueue).toHaveBeenCalledWith({ by: 'margin', limit: 100 })
    await next.accept()
    expect(quality.setLabels).toHaveBeenLastCalledWith({ imageIds: [1], classId: 1 })
    expect(next.current?.imageId).toBe(2)
    await next.pick(2)
    expect(quality.setLabels).toHaveBeenLastCalledWith({ imageIds: [2], classId: 3 })
    // Picking the suggested class by its key counts as accepted too.
    await next.pick(0)
    expect([next.labeled, next.accepted]).toEqual([3, 2])
    expect(sessionText(next.labeled, next.accepted)).toBe('3 labeled, 2 accepted as suggested')
    expect(next.queue?.remaining).toBe(4)
    expect(next.message).toEqual({ text: 'u-3.jpg → ants', undo: true })
  })

  it('Undo puts the image back where it was and the counts down', async () => {
    const next = await opened()
    next.move(1)
    await next.accept()
    expect(next.current?.imageId).toBe(3)
    quality.undo.mockResolvedValue({ actionId: 2, changed: 1 })
    await next.undo()
    expect(next.current?.imageId).toBe(2)
    expect(next.items.map((i) => i.imageId)).toEqual([1, 2, 3, 4, 5, 6, 7])
    expect([next.labeled, next.accepted]).toEqual([0, 0])
    expect(next.message?.undo).toBe(false)
  })

  it('without a suggestion Enter labels nothing and says to pick a class', async () => {
    quality.labelQueue.mockResolvedValue(
      queue([1], { items: [queued(1, { suggested: null, suggestedClassId: null })] }),
    )
    const next = await opened()
    next.accept()
    expect(quality.setLabels).not.toHaveBeenCalled()
    expect(next.message?.text).toMatch(/pick its class/)
  })

  it('fetches more when few are left, and orders anew by the chosen measure', async () => {
    quality.labelQueue.mockResolvedValue(queue([1, 2, 3, 4, 5], { remaining: 40 }))
    const next = await opened()
    await next.accept()
    expect(quality.labelQueue).toHaveBeenCalledTimes(2)
    next.setOrder('entropy')
    expect(quality.labelQueue).toHaveBeenLastCalledWith({ by: 'entropy', limit: 100 })
  })

  it('scores with the latest finished run, reloads when scoring ends and when a new run finishes', async () => {
    quality.labelQueue.mockResolvedValue(queue([1], { source: null, runId: null }))
    const next = await opened()
    await useRunsStore().load()
    expect(next.run?.run).toBe(2)
    quality.startScoring.mockResolvedValue({ started: true })
    await next.score()
    expect(quality.startScoring).toHaveBeenCalledWith({ runId: 2 })
    quality.labelQueue.mockResolvedValue(queue([1]))
    fake.emit({ type: 'job-finished', kind: 'score', status: 'done', error: null })
    await settle()
    expect(next.queue?.source).toMatch(/run 2/)
    const calls = quality.labelQueue.mock.calls.length
    fake.api.runs.mockResolvedValue([run(2, 'done'), run(4, 'done')])
    await useRunsStore().load()
    await settle()
    expect(quality.labelQueue.mock.calls.length).toBe(calls + 1)
  })
})

describe('Label next helpers', () => {
  it('moves on to the same place after labeling, and puts an undone item back', () => {
    const items = [queued(1), queued(2), queued(3)]
    expect(afterLabel(items, 2, 3)).toEqual({ items: [queued(1), queued(2)], index: 1 })
    expect(putBack([queued(1), queued(3)], 1, queued(2)).map((i) => i.imageId)).toEqual([1, 2, 3])
    expect(scoringRun([run(5, 'failed'), run(3, 'done'), run(4, 'done')])?.run).toBe(4)
    expect(scoringRun([run(5, 'running')])).toBeNull()
    expect(queueSummary(queue([], { remaining: 0 }))).toBe('No unlabeled images left.')
    expect(queueSummary(queue([1], { remaining: 1 }))).toMatch(
      /^1 unlabeled image, the most uncertain of each predicted class in turn, by run 2/,
    )
    // Without a scored run the engine has no queue: not "nothing left".
    expect(queueSummary(queue([], { source: null, runId: null, remaining: 0 }))).toMatch(/No model has scored/)
  })

  it('offers scoring when nothing has scored the images, or a newer run finished than the one ordering them', () => {
    const unscored = queue([], { source: null, runId: null, remaining: 0 })
    expect(scoringOffer(unscored, run(2, 'done'))).toBe('first')
    expect(scoringOffer(unscored, null)).toBeNull()
    expect(scoringOffer(queue([1]), run(2, 'done'))).toBeNull()
    expect(scoringOffer(queue([1]), run(4, 'done'))).toBe('newer')
    expect(scoringOffer(null, run(4, 'done'))).toBeNull()
  })
})
