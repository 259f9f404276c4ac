import fs from 'node:fs'
import path from 'node:path'
import type { HealthDto } from '../../../preload/contract'
import type { Studio } from '../studio'
import { cachedFeatures, chooseFeatureFolder, featureSignature } from './feature-cache'
import { featureGroups } from './feature-dups'
import { outlierFindings, type Finding, type ImageFacts } from './findings'
import { mergeGroups, NEAR_DUP_BITS, nearDuplicateGroups } from './near-dups'

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

/** What depends on the images, their signals and cached features alone, not on labels, versions or imports. */
export interface ImageLevel {
  /** Near-duplicate groups of every measured image: by perceptual hash, and by features where cached. */
  groups: number[][]
  outliers: Finding[]
  /** Near-duplicates by backbone features; null when the project has no cached features. */
  features?: FeatureDups | null
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

/** The image-level cache key: the images and their signals, and every feature folder's state. */
export function imageLevelKey(studio: Studio): string {
  return `${studio.store.health.imageSignature()}|${featureSignature(studio.project.paths.cache)}`
}

/**
 * Near-duplicate groups and outliers (about a second at 100,000 images, most of it the grouping;
 * seconds more with 100,000 images' cached features), cached by the images' signature and the
 * feature folders': a label change or a new dataset version reuses them.
 */
export function imageLevel(studio: Studio): ImageLevel {
  const key = imageLevelKey(studio)
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
  const hashGroups = nearDuplicateGroups(ids, hashes, NEAR_DUP_BITS, tone)
  const byFeatures = featureDuplicates(studio)
  const merged = byFeatures ? mergeGroups(hashGroups, byFeatures.groups) : null
  const level: ImageLevel = {
    groups: merged ? merged.groups : hashGroups,
    outliers: outlierFindings(facts),
    features:
      byFeatures && merged
        ? { ...byFeatures.about, onlyByFeatures: merged.onlyByFeatures, extended: merged.extended }
        : null,
  }
  m.images = { key, level }
  writeJson(studio, 'images.json', m.images)
  return level
}

/** Groups by the cached features of the backbone that has the most images' features, if any. */
function featureDuplicates(studio: Studio): { groups: number[][]; about: { backbone: string; images: number } } | null {
  const folder = chooseFeatureFolder(studio.project.paths.cache)
  if (!folder) return null
  const found = cachedFeatures(folder, studio.store.health.contentHashes())
  if (!found) return null
  return {
    groups: featureGroups(found.ids, found.source),
    about: { backbone: folder.backbone, images: found.ids.length },
  }
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
