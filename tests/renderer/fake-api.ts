import { vi } from 'vitest'
import type { RunDto, StudioEvent } from '../../preload/contract'

/**
 * What the store tests put in place of renderer/src/api.ts: every request a mock (each test sets the
 * answers it needs) and the event stream a function the test calls. Used through vi.mock in each file.
 */
export const fake = {
  handlers: [] as ((e: StudioEvent) => void)[],
  api: {
    runs: vi.fn(),
    epochs: vi.fn(),
    presets: vi.fn(),
    backbones: vi.fn(),
    startTraining: vi.fn(),
    cancelTraining: vi.fn(),
    startImport: vi.fn(),
    cancelImport: vi.fn(),
    importErrors: vi.fn(),
    appInfo: vi.fn(),
  },
  /** Delivers an event as the engine's event stream would. */
  emit(e: StudioEvent) {
    for (const h of fake.handlers) h(e)
  },
}

export class ApiError extends Error {
  constructor(name: string, message: string) {
    super(message)
    this.name = name
  }
}

export const apiModule = {
  api: fake.api,
  ApiError,
  onEvent: (h: (e: StudioEvent) => void) => {
    fake.handlers.push(h)
    return () => void fake.handlers.splice(fake.handlers.indexOf(h), 1)
  },
  mediaUrl: (hash: string) => `/media/thumb/${hash}`,
}

/** Resolves once the promises already queued have run (a store's awaited requests and their follow-ups). */
export const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0))

/** A promise the test resolves when it chooses: to hold a request's reply back while events arrive. */
export function deferred<T>() {
  let resolve!: (v: T) => void
  let reject!: (e: Error) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

/** A run as `runs()` answers it, with the fields the stores read. */
export const run = (id: number, status: RunDto['status']): RunDto => ({
  run: id,
  status,
  preset: 'seed-cnn',
  datasetVersion: 1,
  backend: 'wasm',
  epochs: 1,
  createdAt: '',
  finishedAt: null,
  error: null,
  seconds: 1,
  config: {},
  valAccuracy: null,
  testAccuracy: null,
  macroF1: null,
})
