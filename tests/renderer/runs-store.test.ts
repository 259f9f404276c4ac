import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { RunDto } from '../../preload/contract'
import { createEventBus, useEventsStore } from '../../renderer/src/stores/events'
import { useAppStore } from '../../renderer/src/stores/app'
import { useRunsStore } from '../../renderer/src/stores/runs'
import { deferred, fake, settle, run } from './fake-api'

vi.mock('../../renderer/src/api', () => import('./fake-api').then((m) => m.apiModule))

describe('event bus', () => {
  it('hands each event to the handlers of its type only, until they unsubscribe', () => {
    const bus = createEventBus()
    const seen: string[] = []
    const off = bus.on('train-status', (e) => seen.push(`status ${e.runId} ${e.status}`))
    bus.on('labels-changed', () => seen.push('labels'))
    bus.emit({ type: 'train-status', runId: 1, status: 'done', message: null })
    bus.emit({ type: 'labels-changed' })
    bus.emit({
      type: 'import-progress',
      done: 1,
      total: 2,
      imported: 1,
      duplicates: 0,
      errors: 0,
      current: null,
      rate: 1,
    })
    off()
    bus.emit({ type: 'train-status', runId: 2, status: 'done', message: null })
    expect(seen).toEqual(['status 1 done', 'labels'])
  })

  it('keeps delivering to the other handlers when one throws', () => {
    const bus = createEventBus()
    const error = vi.spyOn(console, 'error').mockImplementation(() => {})
    let reached = false
    bus.on('labels-changed', () => {
      throw new Error('boom')
    })
    bus.on('labels-changed', () => (reached = true))
    bus.emit({ type: 'labels-changed' })
    expect(reached).toBe(true)
    expect(error).toHaveBeenCalledOnce()
    error.mockRestore()
  })
})

describe('runs store', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    fake.handlers.length = 0
    vi.clearAllMocks()
  })

  it('subscribes to the engine once for the whole page, however many stores listen', () => {
    useEventsStore()
    useRunsStore()
    useEventsStore()
    expect(fake.handlers).toHaveLength(1)
  })

  it('loads runs when a project opens, offers the finished ones, reloads when a run starts or ends', async () => {
    fake.api.runs.mockResolvedValue([run(1, 'done'), run(2, 'failed')])
    const runs = useRunsStore()
    expect(fake.api.runs).not.toHaveBeenCalled()
    useAppStore().info = { version: '1', shell: 'browser', project: '/p' }
    await settle()
    expect(runs.list?.map((r) => r.run)).toEqual([1, 2])
    expect(runs.finished.map((r) => r.run)).toEqual([1])

    fake.api.runs.mockResolvedValue([run(1, 'done'), run(2, 'failed'), run(3, 'running')])
    fake.emit({ type: 'train-started', runId: 3, backend: 'wasm', workers: 1, reason: '', trainCount: 1, valCount: 1 })
    await settle()
    expect(runs.list?.map((r) => r.status)).toEqual(['done', 'failed', 'running'])
    // Progress messages of a running run do not refetch; its end does.
    fake.emit({ type: 'train-status', runId: 3, status: 'running', message: 'epoch 1' })
    expect(fake.api.runs).toHaveBeenCalledTimes(2)
    fake.api.runs.mockResolvedValue([run(1, 'done'), run(2, 'failed'), run(3, 'done')])
    fake.emit({ type: 'train-status', runId: 3, status: 'done', message: null })
    await settle()
    expect(runs.finished.map((r) => r.run)).toEqual([1, 3])
  })

  it('keeps the newest answer over an older, slower one, and forgets the runs when the project closes', async () => {
    useAppStore().info = { version: '1', shell: 'browser', project: '/p' }
    const slow = deferred<RunDto[]>()
    fake.api.runs.mockReturnValueOnce(slow.promise).mockResolvedValueOnce([run(1, 'done'), run(2, 'done')])
    const runs = useRunsStore()
    await runs.load()
    slow.resolve([run(1, 'running')])
    await settle()
    expect(runs.finished.map((r) => r.run)).toEqual([1, 2])
    useAppStore().info = { version: '1', shell: 'browser', project: null }
    await settle()
    expect(runs.list).toBeNull()
  })
})
