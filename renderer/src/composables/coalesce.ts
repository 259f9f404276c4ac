/**
 * Wraps a refetch so that triggers arriving while it runs cause one more run after it, not one each:
 * a backfill or an import sends "health-changed" many times a second, and each report request costs
 * the engine a query over the project.
 */
export function coalesced(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null
  let again = false
  return () => {
    if (running) {
      again = true
      return running
    }
    running = (async () => {
      try {
        do {
          again = false
          await fn()
        } while (again)
      } finally {
        running = null
      }
    })()
    return running
  }
}
