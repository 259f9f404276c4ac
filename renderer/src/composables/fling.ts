/**
 * Thumbnails are requested only while the scroll is slower than a reader can follow (`fast` px/s);
 * during a fling, tiles show their caption and colour, and the images come as soon as it slows or
 * stops (`settleMs` without a scroll event). The clock is passed in, so the rule is testable.
 */
export interface FlingGate {
  /** A scroll event at `top` px, at `now` ms. Returns whether thumbnails may load now. */
  scrolled(top: number, now: number): boolean
  /** Whether thumbnails may load: no fling under way, or it settled. */
  calm(now: number): boolean
  /** How long after the last fast scroll event the scroll counts as settled. */
  readonly settleMs: number
}

export function flingGate(fast = 4000, settleMs = 120): FlingGate {
  let lastTop = 0
  let lastAt = Number.NEGATIVE_INFINITY
  let fastUntil = Number.NEGATIVE_INFINITY
  return {
    settleMs,
    scrolled(top, now) {
      // The first event after a pause starts a scroll: its speed is unknown, so it counts as calm.
      const speed = now - lastAt > settleMs ? 0 : (Math.abs(top - lastTop) / Math.max(1, now - lastAt)) * 1000
      lastTop = top
      lastAt = now
      fastUntil = speed >= fast ? now + settleMs : Number.NEGATIVE_INFINITY
      return speed < fast
    },
    calm(now) {
      return now >= fastUntil
    },
  }
}
