/**
 * Calls `fn`; while it fails with an error `retryable` accepts, waits `delayMs` and calls it again, at
 * most `tries` times in all. The last error is thrown.
 */
export async function retrying<T>(
  fn: () => Promise<T>,
  retryable: (err: unknown) => boolean,
  {
    tries,
    delayMs,
    sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
  }: {
    tries: number
    delayMs: number
    sleep?: (ms: number) => Promise<void>
  },
): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn()
    } catch (err) {
      if (i >= tries || !retryable(err)) throw err
      await sleep(delayMs)
    }
  }
}
