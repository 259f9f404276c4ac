import type { ImportErrorDto } from '../../../preload/contract'

export interface ErrorGroup {
  batch: number
  source: string
  startedAt: string
  errors: ImportErrorDto[]
}

/** Import errors grouped by the import that recorded them, newest import first (unit-tested). */
export function groupErrors(errors: readonly ImportErrorDto[]): ErrorGroup[] {
  const groups = new Map<number, ErrorGroup>()
  for (const e of errors) {
    const g = groups.get(e.batch) ?? { batch: e.batch, source: e.source, startedAt: e.startedAt, errors: [] }
    g.errors.push(e)
    groups.set(e.batch, g)
  }
  return [...groups.values()].sort((a, b) => b.batch - a.batch)
}

/** "2026-11-29 14:03" in the user's time zone. */
export function when(iso: string): string {
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  const two = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`
}
