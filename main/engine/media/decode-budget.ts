/**
 * A counting semaphore over pixels: a decode holds its image's pixel count until it ends, so the
 * memory of all decodes in flight is bounded by the budget whatever the import's concurrency.
 * Small images still decode many at a time; a folder of 100-megapixel bombs decodes one at a time
 * (measured: 12 truncated 9999×9999 PNGs took an import from ≈ 0.2 to ≈ 0.8–1 GB at 4–12 at once,
 * each decode's buffers landing in another thread's malloc arena).
 */
export class PixelBudget {
  private used = 0
  private peakUsed = 0
  private readonly waiting: { cost: number; grant: () => void }[] = []

  /** `limit`: pixels that may be decoding at once (an image larger than that decodes alone). */
  constructor(readonly limit: number) {
    if (!(limit > 0)) throw new RangeError(`pixel budget must be above 0 (got ${limit})`)
  }

  /** Pixels held by decodes in flight. */
  get inUse(): number {
    return this.used
  }

  /** The most pixels ever held at once. */
  get peak(): number {
    return this.peakUsed
  }

  /** Decodes waiting for room. */
  get queued(): number {
    return this.waiting.length
  }

  /**
   * Waits until `pixels` fit, then holds them; call the returned function exactly once to give
   * them back. First come, first served: a large image is not starved by a stream of small ones.
   */
  async acquire(pixels: number): Promise<() => void> {
    const cost = Math.min(this.limit, Math.max(1, Math.ceil(pixels)))
    if (this.waiting.length || this.used + cost > this.limit) {
      await new Promise<void>((grant) => this.waiting.push({ cost, grant }))
    } else this.take(cost)
    let released = false
    return () => {
      if (released) return
      released = true
      this.used -= cost
      this.wake()
    }
  }

  /** Runs `fn` while holding `pixels`. */
  async run<T>(pixels: number, fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire(pixels)
    try {
      return await fn()
    } finally {
      release()
    }
  }

  private take(cost: number): void {
    this.used += cost
    this.peakUsed = Math.max(this.peakUsed, this.used)
  }

  private wake(): void {
    while (this.waiting.length && this.used + this.waiting[0]!.cost <= this.limit) {
      const next = this.waiting.shift()!
      this.take(next.cost)
      next.grant()
    }
  }
}

/**
 * Default pixels decoding at once: one image at the 100-megapixel import limit, or about eight
 * 12-megapixel photos (more than libuv's four threads run at once, so normal imports keep their pace).
 * `STUDIO_DECODE_MEGAPIXELS` overrides it.
 */
export function defaultDecodePixels(env: NodeJS.ProcessEnv = process.env): number {
  const mp = Number(env.STUDIO_DECODE_MEGAPIXELS)
  return (Number.isFinite(mp) && mp > 0 ? mp : 100) * 1e6
}

/** Shared by every decode of thumbnails in this process (imports and thumbnails made on demand). */
export const decodeBudget = new PixelBudget(defaultDecodePixels())
