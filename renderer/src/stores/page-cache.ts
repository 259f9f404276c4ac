export const PAGE_SIZE = 200

/**
 * Rows of a long list held as pages fetched by position: what the grid has shown, up to `maxPages`
 * (the pages farthest from the last one asked for go first). Loads of the same page are shared.
 * Plain data, no Vue: unit-tested on its own.
 */
export class PageCache<T> {
  private pages = new Map<number, T[]>()
  private inflight = new Map<number, Promise<void>>()
  private last = 0

  constructor(private readonly maxPages = 100) {}

  get(index: number): T | undefined {
    return this.pages.get(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE]
  }

  has(page: number): boolean {
    return this.pages.has(page)
  }

  set(page: number, rows: T[]): void {
    this.pages.set(page, rows)
    this.last = page
    if (this.pages.size > this.maxPages) {
      const far = [...this.pages.keys()].sort((a, b) => Math.abs(b - this.last) - Math.abs(a - this.last))
      for (const p of far.slice(0, this.pages.size - this.maxPages)) this.pages.delete(p)
    }
  }

  /** Pages covering rows [start, end] that are neither loaded nor loading. */
  missing(start: number, end: number): number[] {
    const out: number[] = []
    for (let p = Math.floor(Math.max(0, start) / PAGE_SIZE); p <= Math.floor(end / PAGE_SIZE); p++) {
      if (!this.pages.has(p) && !this.inflight.has(p)) out.push(p)
    }
    return out
  }

  /** Runs `fetch` for a page unless it is already loading; the same promise is shared. */
  load(page: number, fetch: () => Promise<void>): Promise<void> {
    const running = this.inflight.get(page)
    if (running) return running
    const p = fetch().finally(() => {
      if (this.inflight.get(page) === p) this.inflight.delete(page)
    })
    this.inflight.set(page, p)
    return p
  }

  /** Replaces rows in every loaded page (after a label change). */
  update(fn: (row: T) => T): void {
    for (const [p, rows] of this.pages) this.pages.set(p, rows.map(fn))
  }

  clear(): void {
    this.pages.clear()
    this.inflight.clear()
  }
}
