import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { ImageDto } from '../../preload/contract'
import { useAppStore } from '../../renderer/src/stores/app'
import { useHealthStore } from '../../renderer/src/stores/health'
import { useTrainChecksStore } from '../../renderer/src/stores/train-checks'
import { useTrainingStore } from '../../renderer/src/stores/training'
import { deferred, fake, settle } from './fake-api'
import { finding, quality, report } from './fake-quality'

vi.mock('../../renderer/src/api', () => import('./fake-api').then((m) => m.apiModule))

const image = (id: number): ImageDto => ({
  id,
  hash: `hash${id}`,
  name: `${id}.jpg`,
  path: `${id}.jpg`,
  format: 'jpeg',
  width: 10,
  height: 10,
  bytes: 1,
  origin: null,
  classId: null,
  className: null,
  importedAt: '',
  status: 'ok',
})

beforeEach(() => {
  setActivePinia(createPinia())
  fake.handlers.length = 0
  vi.clearAllMocks()
  fake.api.runs.mockResolvedValue([])
  fake.api.epochs.mockResolvedValue([])
  fake.api.presets.mockResolvedValue([])
  fake.api.backbones.mockResolvedValue([])
  fake.api.importErrors.mockResolvedValue([])
  quality.health.mockResolvedValue(report([]))
  quality.images.mockResolvedValue({ items: [], nextCursor: null, total: null })
})
const openProject = () => (useAppStore().info = { version: '1', shell: 'browser', project: '/p' })

describe('health store', () => {
  it('fetches the report when the view opens, with the images of its near-duplicate groups', async () => {
    const dup = finding({ kind: 'near-duplicate', images: [4, 5], groups: [[4, 5]] })
    quality.health.mockResolvedValue(report([dup, finding({ kind: 'outlier-dark' })]))
    quality.images.mockResolvedValue({ items: [image(4), image(5)], nextCursor: null, total: null })
    const health = useHealthStore()
    openProject()
    await settle()
    const close = health.open()
    await settle()
    expect(quality.health).toHaveBeenCalledTimes(1)
    expect(health.report?.findings).toHaveLength(2)
    // Only the group finding needs thumbnails, fetched through Browse's own filter.
    expect(quality.images).toHaveBeenCalledTimes(1)
    expect(quality.images).toHaveBeenCalledWith(expect.objectContaining({ finding: 'near-duplicate' }))
    expect(health.images.get(5)?.hash).toBe('hash5')
    close()
  })

  it('follows health-changed while open (coalesced), and only marks the report stale while closed', async () => {
    const health = useHealthStore()
    openProject()
    await settle()
    const close = health.open()
    await settle()
    const reply = deferred<ReturnType<typeof report>>()
    quality.health.mockReturnValueOnce(reply.promise)
    for (let i = 0; i < 5; i++) fake.emit({ type: 'health-changed' })
    reply.resolve(report([], { pending: 3 }))
    await settle()
    await settle()
    // The first report, the one that was out while the events came, and one more for all of them.
    expect(quality.health).toHaveBeenCalledTimes(3)
    close()
    fake.emit({ type: 'health-changed' })
    await settle()
    expect(quality.health).toHaveBeenCalledTimes(3)
    const again = health.open()
    await settle()
    expect(quality.health).toHaveBeenCalledTimes(4)
    // Opened again with nothing changed: the report held is current.
    again()
    health.open()
    await settle()
    expect(quality.health).toHaveBeenCalledTimes(4)
  })

  it('forgets the report of a closed project, and fetches the new project’s while the view is open', async () => {
    const health = useHealthStore()
    openProject()
    await settle()
    health.open()
    await settle()
    expect(health.report).not.toBeNull()
    useAppStore().info = { version: '1', shell: 'browser', project: '/q' }
    quality.health.mockResolvedValue(report([], { images: 0 }))
    await settle()
    await settle()
    expect(health.report?.images).toBe(0)
  })

  it('shows the engine’s message when the report fails', async () => {
    quality.health.mockRejectedValue(new Error('the health report is being built'))
    const health = useHealthStore()
    openProject()
    health.open()
    await settle()
    expect(health.error).toMatch(/being built/)
  })
})

describe('Train warnings', () => {
  it('asks with the origin-split setting, lists what concerns the run, dismisses until it changes', async () => {
    const small = finding({ kind: 'small-class', count: 1, detail: '"cats": fewer than 10 images' })
    quality.health.mockResolvedValue(report([small, finding({ kind: 'outlier-dark' })]))
    const checks = useTrainChecksStore()
    openProject()
    checks.open()
    await settle()
    expect(quality.health).toHaveBeenLastCalledWith({ useOriginSplits: false })
    expect(checks.warnings.map((f) => f.kind)).toEqual(['small-class'])
    checks.dismiss(small)
    expect(checks.warnings).toEqual([])
    useTrainingStore().form.useOriginSplits = true
    const leak = finding({ kind: 'split-leakage', count: 3 })
    quality.health.mockResolvedValue(report([small, leak]))
    await settle()
    expect(quality.health).toHaveBeenLastCalledWith({ useOriginSplits: true })
    expect(checks.warnings.map((f) => f.kind)).toEqual(['split-leakage'])
    // The small class got smaller: the dismissed warning says something new and shows again.
    quality.health.mockResolvedValue(report([{ ...small, count: 2 }, leak]))
    fake.emit({ type: 'health-changed' })
    await settle()
    expect(checks.warnings.map((f) => f.kind)).toEqual(['split-leakage', 'small-class'])
  })

  it('says nothing (and keeps Train usable) when the report cannot be had', async () => {
    quality.health.mockRejectedValue(new Error('not available yet'))
    const checks = useTrainChecksStore()
    openProject()
    checks.open()
    await settle()
    expect(checks.warnings).toEqual([])
  })
})
