import { vi } from 'vitest'
import type { ClassDto, FindingDto, HealthDto, QueueItemDto, SuspectDto } from '../../preload/contract'
import { fake } from './fake-api'

/**
 * The requests of the health and label-quality stores, added to the shared fake API (fake-api.ts) so
 * a test file mocks renderer/src/api with one module as the other store tests do.
 */
export const quality = {
  health: vi.fn(),
  images: vi.fn(),
  startScoring: vi.fn(),
  startLabelCheck: vi.fn(),
  cancelJob: vi.fn(),
  suspects: vi.fn(),
  decideSuspect: vi.fn(),
  labelQueue: vi.fn(),
  classes: vi.fn(),
  setLabels: vi.fn(),
  undo: vi.fn(),
}
Object.assign(fake.api, quality)

export const CLASSES: ClassDto[] = [
  { id: 1, name: 'ants', color: '#f00', count: 10 },
  { id: 2, name: 'bees', color: '#0f0', count: 10 },
  { id: 3, name: 'wasps', color: '#00f', count: 10 },
]

export const finding = (over: Partial<FindingDto> & Pick<FindingDto, 'kind'>): FindingDto => ({
  severity: 'warning',
  count: 1,
  images: [1],
  detail: '',
  ...over,
})

export const report = (findings: FindingDto[], over: Partial<HealthDto> = {}): HealthDto => ({
  computedAt: '2026-01-02T10:00:00.000Z',
  images: 10,
  versionId: 1,
  originSplits: false,
  pending: 0,
  findings,
  ...over,
})

export const suspect = (imageId: number, over: Partial<SuspectDto> = {}): SuspectDto => ({
  imageId,
  hash: `h${imageId}`,
  path: `bees/b-${imageId}.jpg`,
  label: 'bees',
  labelClassId: 2,
  suggested: 'ants',
  suggestedClassId: 1,
  score: 0.9,
  ...over,
})

export const queued = (imageId: number, over: Partial<QueueItemDto> = {}): QueueItemDto => ({
  imageId,
  hash: `h${imageId}`,
  path: `u-${imageId}.jpg`,
  suggestedClassId: 1,
  suggested: 'ants',
  confidence: 0.55,
  uncertainty: 0.8,
  ...over,
})
