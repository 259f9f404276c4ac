import { describe, expect, it } from 'vitest'
import { retrying } from '../../renderer/src/composables/retry'

const noWait = { delayMs: 250, sleep: async () => {} }

describe('retrying', () => {
  it('retries a retryable failure until it succeeds', async () => {
    let calls = 0
    const waited: number[] = []
    const r = await retrying(
      async () => {
        if (++calls < 3) throw new Error('busy')
        return 'ok'
      },
      (err) => err instanceof Error && err.message === 'busy',
      { tries: 5, delayMs: 250, sleep: async (ms) => void waited.push(ms) },
    )
    expect(r).toBe('ok')
    expect(calls).toBe(3)
    expect(waited).toEqual([250, 250])
  })

  it('gives up after the last try, and at once on another error', async () => {
    let calls = 0
    const failing = (message: string) => async () => {
      calls++
      throw new Error(message)
    }
    await expect(retrying(failing('busy'), () => true, { tries: 4, ...noWait })).rejects.toThrow('busy')
    expect(calls).toBe(4)
    calls = 0
    await expect(retrying(failing('bad'), () => false, { tries: 4, ...noWait })).rejects.toThrow('bad')
    expect(calls).toBe(1)
  })
})
