import fs from 'node:fs'
import path from 'node:path'
import type { HealthDto } from '../../../preload/contract'
import type { Studio } from '../studio'
import { outlierFindings, type Finding, type ImageFacts } from './findings'
import { NEAR_DUP_BITS, nearDuplicateGroups } from './near-dups'

/**
 * What the report keeps between calls, in memory (the open project) and in `cache/health/` (so a
 * new `studio health` process answers from it too). Entries are keyed by signatures of what they
 * were computed from (store/health.ts `signature`), so nothing is ever stale: a changed project
 * gives a new key and a recomputation.
 */
interface Memory {
  images?: { key: string; level: ImageLevel }
  report?: { key: string; report: HealthDto }
}

const memory = new WeakMap<Studio, Memory>()

function memoryOf(studio: Studio): Memory {
  let m = memory.get(studio)
  if (!m) memory.set(studio, (m = {}))
  return m
}

export function dir(studio: Studio): string {
  return path.join(studio.project.paths.cache, 'health')
}

export function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T
  } catch {
    return null
  }
}

/** Best effort: a read-only project folder still gets its report, only not cached on disk. */
export function writeJson(studio: Studio, name: string, value: unknown): void {
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

/** What depends on the images and their signals alone, not on labels, versions, imports or features. */
export interface ImageLevel {
  /** Near-duplicate groups of every measured image by perceptual hash (feature-job.ts adds those by features). */
  groups: number[][]
  outliers: Finding[]
}

export interface FeatureDups {
  /** Backbone whose cached features were compared. */
  backbone: string
  /** Images that had features. */
  images: number
  /** First ids of the groups only features found (no two members close by hash). */
  onlyByFeatures: number[]
  /** Hash groups that features added images to. */
  extended: number
}

/**
 * Near-duplicate groups by hash and outliers (about a second at 100,000 images, most of it the
 * grouping), cached by the images' signature: a label change or a new dataset version reuses them.
 * Groups by cached backbone features take seconds more at that size: a background job computes
 * them (feature-job.ts) and the report merges them in when they are ready.
 */
export function imageLevel(studio: Studio): ImageLevel {
  const key = studio.store.health.imageSignature()
  const m = memoryOf(studio)
  if (m.images?.key === key) return m.images.level
  const disk = readJson<{ key: string; level: ImageLevel }>(path.join(dir(studio), 'images.json'))
  if (disk?.key === key && Array.isArray(disk.level?.groups) && Array.isArray(disk.level.outliers)) {
    m.images = disk
    return disk.level
  }
  const ids: number[] = []
  const hashes: string[] = []
  const tone = { brightness: [] as number[], colourfulness: [] as number[] }
  const facts: ImageFacts[] = []
  for (const [id, width, height, phash, brightness, colourfulness, sharpness] of studio.store.health.signalRows()) {
    let signals = null
    if (phash !== null) {
      ids.push(id)
      hashes.push(phash)
      tone.brightness.push(brightness ?? 0)
      tone.colourfulness.push(colourfulness ?? 0)
      signals = { phash, brightness: brightness ?? 0, colourfulness: colourfulness ?? 0, sharpness: sharpness ?? 0 }
    }
    facts.push({ id, width, height, signals })
  }
  const level: ImageLevel = {
    groups: nearDuplicateGroups(ids, hashes, NEAR_DUP_BITS, tone),
    outliers: outlierFindings(facts),
  }
  m.images = { key, level }
  writeJson(studio, 'images.json', m.images)
  return level
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

/**
 * The last report computed, the one whose findings are in health_findings, whatever changed since
 * (the model card reports it as "the last one computed"); null when none is cached.
 */
export function lastReport(studio: Studio): HealthDto | null {
  const written = readJson<string>(path.join(dir(studio), 'findings.key'))
  if (written === null) return null
  const m = memoryOf(studio)
  if (m.report?.key === written) return m.report.report
  const disk = readJson<{ key: string; report: HealthDto }>(path.join(dir(studio), 'report.json'))
  return disk?.key === written ? disk.report : null
}
