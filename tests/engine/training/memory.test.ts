import { describe, expect, it } from 'vitest'
import { withDefaults } from '../../../main/engine/training/config'
import { seedCnnMemory, THREAD_MEMORY_BYTES } from '../../../main/engine/training/presets/seed-cnn'

describe('seed CNN memory estimate', () => {
  it('refuses up front a run that cannot fit one training thread, naming a batch that fits', () => {
    expect(() => withDefaults({ inputSize: 160, batchSize: 224, workers: 2 })).toThrow(
      /input 160 px with batch 224 needs about [\d.]+ GB of memory in each training thread.*at most \d+ at this input size/,
    )
    const fits = Number(
      /at most (\d+)/.exec(
        (() => {
          try {
            withDefaults({ inputSize: 160, batchSize: 224, workers: 2 })
            return ''
          } catch (err) {
            return (err as Error).message
          }
        })(),
      )![1],
    )
    expect(() => withDefaults({ inputSize: 160, batchSize: fits, workers: 2 })).not.toThrow()
    expect(() => withDefaults({ inputSize: 160, batchSize: fits + 2, workers: 2 })).toThrow(/at most/)
  })

  it('accepts the defaults and the largest input at the default batch', () => {
    expect(() => withDefaults({})).not.toThrow()
    expect(() => withDefaults({ inputSize: 224, batchSize: 32, workers: 2 })).not.toThrow()
    // The default batch (64) is taken where it fits a thread; at 224 px it does not, and the default is 32.
    expect(withDefaults({ workers: 2 }).batchSize).toBe(64)
    expect(withDefaults({ inputSize: 160, workers: 2 }).batchSize).toBe(64)
    expect(withDefaults({ inputSize: 224, workers: 2 }).batchSize).toBe(32)
    expect(() => withDefaults({ inputSize: 224, batchSize: 64, workers: 2 })).toThrow(/at most \d+/)
  })

  it('grows with the batch and the input', () => {
    const a = seedCnnMemory(64, 32)
    expect(seedCnnMemory(64, 64).bytes - a.bytes).toBe(a.perImage * 32)
    expect(seedCnnMemory(128, 32).bytes).toBeGreaterThan(a.bytes)
    expect(seedCnnMemory(160, 224).bytes).toBeGreaterThan(THREAD_MEMORY_BYTES)
  })
})
