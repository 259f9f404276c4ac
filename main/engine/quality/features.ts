import type { DatasetItem, ProjectPaths } from '../store'
import { loadPixels, type InputSpec, type PixelProblem } from '../training/pixels'
import { extractFeatures, type Backbone, type SplitFeatures } from '../training/transfer'

export interface FeatureHooks {
  onProblem: (p: PixelProblem) => void
  /** Images handled so far (features computed, read from the cache, or left out as unreadable). */
  onProgress?: (done: number, total: number) => void
  /** Stops between chunks. */
  signal?: AbortSignal
}

/**
 * Backbone features of every item, as training/transfer.ts `splitFeatures` computes them (the same
 * cache under cache/features/, the next chunk decoding on sharp's threads while the backbone runs
 * on this one, two chunks of pixels in memory at most), with progress after each chunk and a stop
 * between chunks: a label check over a large project runs for minutes.
 */
export async function checkFeatures(
  paths: ProjectPaths,
  backbone: Backbone,
  items: DatasetItem[],
  spec: InputSpec,
  hooks: FeatureHooks,
  chunk = 256,
): Promise<SplitFeatures> {
  const hashes = new Map(items.map((i) => [i.imageId, i.hash]))
  const parts: DatasetItem[][] = []
  for (let s = 0; s < items.length; s += chunk) parts.push(items.slice(s, s + chunk))
  const load = (c: number) => {
    const p = loadPixels(paths, parts[c]!, spec, hooks.onProblem, 16)
    p.catch(() => {}) // awaited below; not left unobserved while the backbone runs
    return p
  }
  let next = parts.length ? load(0) : null
  const imageIds: number[] = []
  const labels: number[] = []
  const features: Float32Array[] = []
  let done = 0
  hooks.onProgress?.(0, items.length)
  for (let c = 0; c < parts.length; c++) {
    const set = await next!
    hooks.signal?.throwIfAborted()
    next = c + 1 < parts.length ? load(c + 1) : null
    features.push(await extractFeatures(paths, backbone, set, hashes))
    imageIds.push(...set.imageIds)
    labels.push(...set.labels)
    done += parts[c]!.length
    hooks.onProgress?.(done, items.length)
  }
  const all = new Float32Array(imageIds.length * backbone.featureDim)
  let at = 0
  for (const f of features) {
    all.set(f, at)
    at += f.length
  }
  return { imageIds, labels: Int32Array.from(labels), features: all }
}
