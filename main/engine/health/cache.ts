import fs from 'node:fs'
import path from 'node:path'
import type { HealthDto } from '../../../preload/contract'
import type { Studio } from '../studio'
import { nearDuplicateGroups } from './near-dups'

/**
 * What the report keeps between calls, in memory (the open project) and in `cache/health/` (so a
 * new `studio health` process answers from it too). Entries are keyed by signatures of what they
 * were computed from (store/health.ts `signature`), so nothing is ever stale: a changed project
 * gives a new key and a recomputation.
 */
interface Memory {
  groups?: { key: string; groups: number[][] }
  report?: { key: string; report: HealthDto }
}

const memory = new WeakMap<Studio, Memory>()

function memoryOf(studio: Studio): Memory {
  let m = memory.get(studio)
  if (!m) memory.set(studio, (m = {}))
  return m
}

function dir(studio: Studio): string {
  return path.join(studio.project.paths.cache, 'health')
}

function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T
  } catch {
    return null
  }
}

/** Best effort: a read-only project folder still gets its report, only not cached on disk. */
function writeJson(studio: Studio, name: string, value: unknown): void {
  try {
    fs.mkdirSync(dir(studio), { recursive: true })
    const file = path.join(dir(studio), name)
    const tmp = `${file}.${process.pid}.tmp`
    fs.writeFileSync(tmp, JSON.stringify(value))
    fs.renameSync(tmp, file)
  } catch {
    // Not cached: the next call computes again.
  }
}

/** Near-duplicate groups of every image with a perceptual hash (about a second at 100,000 images, then cached). */
export function hashGroups(studio: Studio): number[][] {
  const key = studio.store.health.hashSignature()
  const m = memoryOf(studio)
  if (m.groups?.key === key) return m.groups.groups
  const disk = readJson<{ key: string; groups: number[][] }>(path.join(dir(studio), 'groups.json'))
  if (disk?.key === key && Array.isArray(disk.groups)) {
    m.groups = disk
    return disk.groups
  }
  const { ids, hashes } = studio.store.health.hashes()
  const groups = nearDuplicateGroups(ids, hashes)
  m.groups = { key, groups }
  writeJson(studio, 'groups.json', m.groups)
  return groups
}

/**
 * The report computed for `key`, if any. `findings.key` names the report whose findings are in
 * the health_findings table (any process may have replaced them since), so a report is only
 * answered from cache while the table still holds its findings.
 */
export function cachedReport(studio: Studio, key: string): HealthDto | null {
  const written = readJson<string>(path.join(dir(studio), 'findings.key'))
  if (written !== key) return null
  const m = memoryOf(studio)
  if (m.report?.key === key) return m.report.report
  const disk = readJson<{ key: string; report: HealthDto }>(path.join(dir(studio), 'report.json'))
  if (disk?.key !== key) return null
  m.report = disk
  return disk.report
}

/** Call before replacing health_findings: until storeReport, no cached report claims the table. */
export function forgetWrittenFindings(studio: Studio): void {
  try {
    fs.rmSync(path.join(dir(studio), 'findings.key'), { force: true })
  } catch {
    // A read-only folder: storeReport cannot write a key there either.
  }
}

/** Remembers a report whose findings were just written to health_findings. */
export function storeReport(studio: Studio, key: string, report: HealthDto): void {
  memoryOf(studio).report = { key, report }
  writeJson(studio, 'report.json', { key, report })
  writeJson(studio, 'findings.key', key)
}
