import os from 'node:os'
import { describe, expect, it } from 'vitest'
import { autoWorkers, SHORT_RUN_SECONDS } from '../../../main/engine/training/parallel'

// How many data-parallel participants a run gets when the config leaves it open.
describe('autoWorkers', () => {
  const cores = os.availableParallelism()

  it('a run shorter than SHORT_RUN_SECONDS on one thread trains on one, and says why', () => {
    const short = autoWorkers('wasm', null, SHORT_RUN_SECONDS / 4)
    expect(short.workers).toBe(1)
    if (cores >= 2) expect(short.why).toMatch(/^a short run \(about 3 s of training on one core\): a second worker/)
  })

  it('a longer run, or one whose length is unknown, gets one participant per core (at most 4)', () => {
    for (const seconds of [SHORT_RUN_SECONDS, 600, null]) {
      const w = autoWorkers('wasm', null, seconds)
      expect(w.workers).toBe(Math.min(cores, 4))
    }
  })

  it('a setting wins over the estimate, and the native backend stays on one', () => {
    expect(autoWorkers('wasm', 2, 1)).toEqual({ workers: 2, why: '2 worker(s) by setting' })
    expect(autoWorkers('tensorflow', null, 600).workers).toBe(1)
  })
})
