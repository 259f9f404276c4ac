import { describe, expect, it } from 'vitest'
import { flingGate } from '../../renderer/src/composables/fling'

describe('flingGate', () => {
  it('holds thumbnails back while the scroll is faster than 4000 px/s, and lets them load once it settles', () => {
    const gate = flingGate(4000, 120)
    expect(gate.scrolled(500, 10_000)).toBe(true) // first event after a pause: speed unknown
    expect(gate.scrolled(1000, 10_016)).toBe(false) // 500 px in 16 ms ≈ 31,000 px/s
    expect(gate.calm(10_100)).toBe(false)
    expect(gate.scrolled(1500, 10_032)).toBe(false)
    expect(gate.calm(10_151)).toBe(false)
    expect(gate.calm(10_152)).toBe(true) // 120 ms after the last fast event
  })

  it('lets a reader’s scroll load at once', () => {
    const gate = flingGate(4000, 120)
    gate.scrolled(0, 0)
    expect(gate.scrolled(40, 16)).toBe(true) // 2,500 px/s
    expect(gate.calm(16)).toBe(true)
    expect(gate.scrolled(140, 32)).toBe(false) // 6,250 px/s
    expect(gate.scrolled(160, 100)).toBe(true) // slowed down: 294 px/s
    expect(gate.calm(100)).toBe(true)
  })

  it('treats a scroll after a pause as a new start, not as one slow move', () => {
    const gate = flingGate(4000, 120)
    gate.scrolled(0, 0)
    expect(gate.scrolled(100_000, 5_000)).toBe(true)
    expect(gate.scrolled(100_600, 5_016)).toBe(false)
  })
})
