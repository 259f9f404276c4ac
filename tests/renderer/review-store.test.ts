import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { SuspectsDto } from '../../preload/contract'
import { checkSummary, decisionMessage, withoutSuspect } from '../../renderer/src/composables/review'
import { useAppStore } from '../../renderer/src/stores/app'
import { useReviewStore } from '../../renderer/src/stores/review'
import { fake, settle } from './fake-api'
import { CLASSES, quality, suspect } from './fake-quality'

vi.mock('../../renderer/src/api', () => import('./fake-api').then((m) => m.apiModule))

const CHECK = { id: 1, createdAt: '2026-01-02T10:00:00Z', backbone: 'mnet', source: '5-fold', checked: 40, fresh: true }
const dto = (ids: number[], total = ids.length): SuspectsDto => ({
  check: CHECK,
  suspects: ids.map((id) => suspect(id)),
  total,
})

async function opened() {
  const review = useReviewStore()
  useAppStore().info = { version: '1', shell: 'browser', project: '/p' }
  await settle()
  await review.load()
  return review
}

beforeEach(() => {
  setActivePinia(createPinia())
  fake.handlers.length = 0
  vi.clearAllMocks()
  fake.api.backbones.mockResolvedValue(['mnet'])
  quality.classes.mockResolvedValue(CLASSES)
  quality.suspects.mockResolvedValue(dto([7, 8, 9]))
  quality.decideSuspect.mockResolvedValue({ actionId: 3, changed: 1 })
})

describe('Review store', () => {
  it('accepts, keeps or relabels the current suspect; a class key maps to the right decision', async () => {
    const review = await opened()
    expect(review.current?.imageId).toBe(7)
    await review.accept()
    expect(quality.decideSuspect).toHaveBeenLastCalledWith({ imageId: 7, decision: 'accept' })
    expect(review.message).toEqual({ text: 'b-7.jpg: bees → ants (suggestion accepted)', undo: true })
    expect(review.current?.imageId).toBe(8)
    // Key 2 is the current label (bees): that keeps it; no label changed, so no Undo.
    quality.decideSuspect.mockResolvedValueOnce({ actionId: null, changed: 0 })
    await review.pick(1)
    expect(quality.decideSuspect).toHaveBeenLastCalledWith({ imageId: 8, decision: 'keep' })
    expect(review.message).toEqual({ text: 'b-8.jpg: kept “bees”', undo: false })
    // Key 3 is neither: a relabel to wasps.
    await review.pick(2)
    expect(quality.decideSuspect).toHaveBeenLastCalledWith({ imageId: 9, decision: 'relabel', classId: 3 })
    expect(review.message?.text).toBe('b-9.jpg: bees → wasps')
    expect(review.data?.total).toBe(0)
  })

  it('says which keys exist when a key gives no class, and decides nothing', async () => {
    const review = await opened()
    review.pick(6)
    expect(review.message?.text).toMatch(/Key 7 gives no class: there are 3 classes/)
    expect(quality.decideSuspect).not.toHaveBeenCalled()
  })

  it('Undo takes the decision back through the engine and shows that suspect again', async () => {
    const review = await opened()
    review.move(1)
    await review.accept()
    expect(review.current?.imageId).toBe(9)
    quality.undo.mockResolvedValue({ actionId: 4, changed: 1 })
    quality.suspects.mockResolvedValue(dto([7, 8, 9]))
    await review.undo()
    expect(quality.undo).toHaveBeenCalled()
    expect(review.current?.imageId).toBe(8)
    expect(review.message?.undo).toBe(false)
  })

  it('fetches the next suspects once the ones held are decided', async () => {
    quality.suspects.mockResolvedValueOnce(dto([7], 5))
    const review = await opened()
    quality.suspects.mockResolvedValueOnce(dto([10, 11, 12, 13], 4))
    await review.accept()
    expect(review.current?.imageId).toBe(10)
  })

  it('starts the check with the chosen backbone and loads its suspects when it ends', async () => {
    quality.suspects.mockResolvedValue({ check: null, suspects: [], total: 0 })
    const review = await opened()
    expect(review.current).toBeNull()
    quality.startLabelCheck.mockResolvedValue({ started: true })
    review.backbone = 'mnet'
    await review.startCheck()
    expect(quality.startLabelCheck).toHaveBeenCalledWith({ backbone: 'mnet' })
    expect(review.checking).toBe(true)
    quality.suspects.mockResolvedValue(dto([7]))
    fake.emit({ type: 'job-finished', kind: 'label-check', status: 'done', error: null })
    await settle()
    expect(review.checking).toBe(false)
    expect(review.current?.imageId).toBe(7)
  })

  it('knows when no backbone is installed', async () => {
    fake.api.backbones.mockResolvedValue([])
    const review = await opened()
    expect(review.backbones).toEqual([])
  })
})

describe('Review wording', () => {
  it('summarises the check, and says when labels changed since', () => {
    expect(checkSummary(null)).toBe('No label check yet.')
    expect(checkSummary(dto([]))).toBe('Checked 40 labeled images on 2026-01-02 10:00 (5-fold).')
    expect(checkSummary({ ...dto([]), check: { ...CHECK, checked: 1, fresh: false } })).toMatch(
      /^Checked 1 labeled image on .*Labels changed since/,
    )
  })

  it('drops a decided suspect from the list and the total', () => {
    expect(withoutSuspect(dto([1, 2], 10), 1)).toMatchObject({ total: 9, suspects: [{ imageId: 2 }] })
    expect(withoutSuspect(dto([1, 2], 10), 5).total).toBe(10)
    expect(decisionMessage(suspect(1), 'relabel', 'wasps')).toBe('b-1.jpg: bees → wasps')
  })
})
