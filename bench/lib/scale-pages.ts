import { lensOf } from '../../main/engine/quality/scoring'
import type { PageRequest } from '../../main/engine/store'
import type { Studio } from '../../main/engine/studio'

const PAGES = 200
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? NaN

/**
 * Browse's requests on a real project: consecutive pages of 100 (keyset cursors) for each filter
 * and sort a user can pick, then the same with a run's predictions as the lens (the page plus its
 * rows' scores, as the service answers `images` with a runId), then pages by position (what the
 * grid asks when a scroll jumps). The count of each shape is timed once, as the grid counts with its
 * first page only. Answers the p95 over every page, and over the lens pages alone.
 */
export function pageQueries(
  studio: Studio,
  runId: number,
  log: (s: string) => void,
): { p95: number; lensP95: number; cpuP95: number } {
  const cls = studio.labels.classes()
  const first = cls[0]!.id
  const second = cls[1]?.id ?? first
  const plain: [string, PageRequest][] = [
    ['all, by import order', {}],
    ['all, by name', { sort: 'name' }],
    ['all, by size desc', { sort: 'size', order: 'desc' }],
    [`class ${cls[0]!.name}`, { classIds: [first] }],
    [`class ${cls[0]!.name}, by name`, { classIds: [first], sort: 'name' }],
    ['unlabeled', { unlabeled: true }],
    ['origin train, by name', { origin: 'train', sort: 'name' }],
    [`class ${cls[0]!.name} + origin test`, { classIds: [first], origin: 'test' }],
    ['search "photo-0001"', { search: 'photo-0001' }],
  ]
  const lens: [string, PageRequest][] = [
    ['lens: all', { runId }],
    ['lens: all, by name', { runId, sort: 'name' }],
    [`lens: predicted ${cls[1]?.name}`, { runId, predictedClassIds: [second] }],
    ['lens: incorrect', { runId, correct: false }],
    ['lens: confidence < 50 %', { runId, maxConfidence: 0.5 }],
    [`lens: class ${cls[0]!.name}, incorrect, by name`, { runId, classIds: [first], correct: false, sort: 'name' }],
    ['lens: unlabeled, confidence ≥ 90 %', { runId, unlabeled: true, minConfidence: 0.9 }],
  ]
  const every: number[] = []
  const lensTimes: number[] = []
  // This process's CPU time per page as well: a loaded VM stretches wall times by its run queue.
  const cpuTimes: number[] = []
  const cpuMs = () => {
    const c = process.cpuUsage()
    return (c.user + c.system) / 1000
  }
  const walk = (name: string, req: PageRequest, into: number[]) => {
    const times: number[] = []
    let cursor: string | null = null
    for (let i = 0; i < PAGES; i++) {
      const t = performance.now()
      const c = cpuMs()
      const page = studio.store.images.page({ ...req, limit: 100, cursor })
      if (req.runId !== undefined)
        lensOf(
          studio,
          req.runId,
          page.items.map((x) => x.id),
        )
      times.push(performance.now() - t)
      cpuTimes.push(cpuMs() - c)
      cursor = page.nextCursor ?? null
      if (!cursor) break
    }
    const t = performance.now()
    const n = studio.store.images.count(req)
    const countMs = performance.now() - t
    into.push(...times)
    every.push(...times)
    log(
      `  ${name.padEnd(44)} p50 ${pct(times, 0.5).toFixed(2)} ms  p95 ${pct(times, 0.95).toFixed(2)} ms  ` +
        `(${times.length} pages; count ${n} in ${countMs.toFixed(1)} ms)`,
    )
  }
  for (const [name, req] of plain) walk(name, req, [])
  for (const [name, req] of lens) walk(name, req, lensTimes)
  // Jumps: pages by position, spread over the whole list, as a fast scroll asks them.
  const total = studio.store.images.total()
  const jumps: number[] = []
  for (const req of [{}, { runId }] as PageRequest[]) {
    for (let k = 0; k < 50; k++) {
      const offset = Math.floor(((k * 7919) % 50) * (total / 50))
      const t = performance.now()
      const c = cpuMs()
      const page = studio.store.images.page({ ...req, limit: 200, offset })
      if (req.runId !== undefined)
        lensOf(
          studio,
          req.runId,
          page.items.map((x) => x.id),
        )
      jumps.push(performance.now() - t)
      cpuTimes.push(cpuMs() - c)
    }
  }
  every.push(...jumps)
  log(
    `  ${'jumps by position (200 rows; plain and lens)'.padEnd(44)} p50 ${pct(jumps, 0.5).toFixed(2)} ms  p95 ${pct(jumps, 0.95).toFixed(2)} ms`,
  )
  const p95 = pct(every, 0.95)
  const lensP95 = pct(lensTimes, 0.95)
  const cpuP95 = pct(cpuTimes, 0.95)
  log(
    `pages: p95 ${p95.toFixed(2)} ms over ${every.length} pages (goal < 5 ms); the lens alone p95 ${lensP95.toFixed(2)} ms; ` +
      `CPU time per page p95 ${cpuP95.toFixed(2)} ms`,
  )
  return { p95, lensP95, cpuP95 }
}
