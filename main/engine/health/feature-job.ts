import path from 'node:path'
import type { Jobs } from '../jobs'
import { featureDupsOffThread } from '../quality/off-thread'
import type { Studio } from '../studio'
import { dir, readJson, writeJson } from './cache'
import { cachedFeatures, chooseFeatureFolder, featureSignature } from './feature-cache'
import { featureGroups } from './feature-dups'

/**
 * Near-duplicate groups by the project's cached backbone features (feature-dups.ts), computed in
 * the background: reading 100,000 feature files and hashing them takes seconds, so the health
 * report answers at once with the hash groups and merges these in once the 'feature-dups' job has
 * stored them. Results are kept in memory and in cache/health/features.json, keyed by the images'
 * signature and the feature folders' (a new image or a new feature file means a new computation).
 */
export interface FeatureDupsResult {
  /** What the result was computed from (featureKey). */
  key: string
  /** Groups of image ids (each sorted), by cosine of centred features. */
  groups: number[][]
  /** The backbone compared and how many images had its features; null: fewer than two had any. */
  about: { backbone: string; images: number } | null
}

/** Where the report stands with feature groups: none cached at all, included, being computed, or not computed. */
export type FeatureGroupsState = 'none' | 'included' | 'computing' | 'not-computed'

const memory = new WeakMap<Studio, FeatureDupsResult>()
/** Keys whose job failed or was cancelled: not started again by every report until something changes. */
const given = new WeakMap<Studio, { key: string; why: 'failed' | 'cancelled' }>()

/** The key of a feature-group computation now; null when the project has no cached features at all. */
export function featureKey(studio: Studio): string | null {
  const features = featureSignature(studio.project.paths.cache)
  return features ? `${studio.store.health.imageSignature()}|${features}` : null
}

/** The stored result for `key`, if any (memory first, then cache/health/features.json). */
export function cachedFeatureDups(studio: Studio, key: string | null = featureKey(studio)): FeatureDupsResult | null {
  if (key === null) return null
  const m = memory.get(studio)
  if (m?.key === key) return m
  const disk = readJson<FeatureDupsResult>(path.join(dir(studio), 'features.json'))
  if (disk?.key !== key || !Array.isArray(disk.groups)) return null
  memory.set(studio, disk)
  return disk
}

/** Computes the groups now, on this thread (the job's worker, the CLI, a training start without a cached result). */
export function computeFeatureDups(
  studio: Studio,
  onProgress?: (done: number, total: number) => void,
): FeatureDupsResult | null {
  const key = featureKey(studio)
  if (key === null) return null
  const folder = chooseFeatureFolder(studio.project.paths.cache)
  const found = folder ? cachedFeatures(folder, studio.store.health.contentHashes()) : null
  if (!folder || !found) return { key, groups: [], about: null }
  return {
    key,
    groups: featureGroups(found.ids, found.source, { onProgress }),
    about: { backbone: folder.backbone, images: found.ids.length },
  }
}

/** Keeps a result (memory and disk). */
export function rememberFeatureDups(studio: Studio, result: FeatureDupsResult): void {
  memory.set(studio, result)
  writeJson(studio, 'features.json', result)
}

/** The groups now: cached, or computed here and remembered (no job runner: the CLI, a training start). */
export function featureDupsNow(studio: Studio): FeatureDupsResult | null {
  const key = featureKey(studio)
  const cached = cachedFeatureDups(studio, key)
  if (cached || key === null) return cached
  const result = computeFeatureDups(studio)
  if (result) rememberFeatureDups(studio, result)
  return result
}

/**
 * What the report can include now: the cached result, or null while the 'feature-dups' job
 * computes it (started here if it does not run; `onChanged` hears when it has stored a result).
 * A job that failed or was cancelled for this very key is not started again until the key changes.
 */
export function featureDupsForReport(
  studio: Studio,
  jobs: Jobs,
  onChanged?: () => void,
): { result: FeatureDupsResult | null; state: FeatureGroupsState } {
  const key = featureKey(studio)
  if (key === null) return { result: null, state: 'none' }
  const cached = cachedFeatureDups(studio, key)
  if (cached) return { result: cached, state: cached.about ? 'included' : 'none' }
  if (given.get(studio)?.key === key) return { result: null, state: 'not-computed' }
  startFeatureDups(studio, jobs, onChanged)
  return { result: null, state: 'computing' }
}

/** Starts the 'feature-dups' job unless it runs; returns whether it started. */
export function startFeatureDups(studio: Studio, jobs: Jobs, onChanged?: () => void): boolean {
  if (jobs.isRunning('feature-dups')) return false
  const key = featureKey(studio)
  if (key === null) return false
  void jobs.start('feature-dups', async (ctx) => {
    ctx.progress(0, 1, 'comparing backbone features')
    try {
      const result = await featureDupsOffThread(studio, {
        signal: ctx.signal,
        onProgress: (done, total) => ctx.progress(done, total, 'comparing backbone features'),
      })
      if (!studio.project.db.open) return
      // A thread busy in its one computation may answer before the cancel's grace period is over.
      if (ctx.signal.aborted) {
        given.set(studio, { key, why: 'cancelled' })
        return
      }
      if (result) rememberFeatureDups(studio, result)
    } catch (err) {
      given.set(studio, { key, why: ctx.signal.aborted ? 'cancelled' : 'failed' })
      throw err
    } finally {
      if (studio.project.db.open) onChanged?.()
    }
  })
  return true
}
