import { describe, expect, it } from 'vitest'
import { FEATURE_COSINE, featureGroups, hashingRecall } from '../../../main/engine/health/feature-dups'
import { mergeGroups } from '../../../main/engine/health/near-dups'
import { rng } from '../../../main/engine/random'

const gauss = (r: () => number) => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r())

/**
 * Backbone-like vectors: ReLU of a class's mean plus noise (all entries ≥ 0, like pooled MobileNet
 * features; unrelated vectors of one class at a centred cosine of ≈ 0.3). Every 50th vector is a copy
 * of the one before, its pre-activations moved by `noise`, as a stronger crop or a mirror image
 * moves a backbone's features (centred cosine ≈ 0.9 at 0.35).
 */
function features(n: number, dim: number, seed: number, noise = 0.35) {
  const r = rng(seed)
  const means = Array.from({ length: 10 }, () => Float64Array.from({ length: dim }, () => 0.2 + 0.75 * gauss(r)))
  const vectors: Float32Array[] = []
  const planted: [number, number][] = []
  let pre = new Float64Array(dim)
  for (let i = 0; i < n; i++) {
    const copy = i % 50 === 49
    pre = copy ? pre.map((x) => x + noise * gauss(r)) : means[i % 10]!.map((x) => x + gauss(r))
    if (copy) planted.push([i - 1, i])
    vectors.push(Float32Array.from(pre, (x) => Math.max(0, x)))
  }
  return { vectors, planted }
}

/** Exact cosines after centring on the mean, as the grouping measures them (before quantising). */
function centredCosine(vectors: Float32Array[]): (a: number, b: number) => number {
  const dim = vectors[0]!.length
  const mean = new Float64Array(dim)
  for (const v of vectors) for (let d = 0; d < dim; d++) mean[d]! += v[d]! / vectors.length
  const unit = vectors.map((v) => {
    const c = Float64Array.from(v, (x, d) => x - mean[d]!)
    const norm = Math.hypot(...c)
    return c.map((x) => x / norm)
  })
  return (a, b) => unit[a]!.reduce((s, x, d) => s + x * unit[b]![d]!, 0)
}

describe('featureGroups', () => {
  it('joins vectors pointing the same way, whatever their length (uncentred)', () => {
    const f = (...v: number[]) => Float32Array.from(v)
    const groups = featureGroups([1, 2, 3, 4], [f(1, 0, 0), f(0, 1, 0), f(2, 0.01, 0), f(0, 0, 1)], {
      center: false,
      minCosine: 0.97,
    })
    expect(groups).toEqual([[1, 3]])
  })

  it('by hashing, finds the planted copies and nothing else', () => {
    const { vectors, planted } = features(3000, 128, 5)
    const cos = centredCosine(vectors)
    expect(Math.min(...planted.map(([a, b]) => cos(a, b)))).toBeGreaterThan(FEATURE_COSINE + 0.05)
    const ids = vectors.map((_, i) => i + 1)
    // exactUpTo 0: the random-hyperplane buckets, not all pairs.
    const groups = featureGroups(ids, vectors, { exactUpTo: 0 })
    const found = planted.filter(([a, b]) => groups.some((g) => g[0] === a + 1 && g[1] === b + 1))
    expect(found.length / planted.length).toBeGreaterThanOrEqual(0.95)
    expect(groups).toHaveLength(found.length)
    expect(groups.every((g) => g.length === 2)).toBe(true)
  })

  it('by hashing, joins nearly every pair that comparing all pairs joins, and only close ones', () => {
    // Copies at cosines from about the threshold up: the pairs hashing is likeliest to miss.
    const { vectors } = features(1000, 96, 8, 0.5)
    const ids = vectors.map((_, i) => i)
    const exact = featureGroups(ids, vectors, { exactUpTo: 10_000 })
    const hashed = featureGroups(ids, vectors, { exactUpTo: 0 })
    expect(exact.length).toBeGreaterThan(10)
    const cos = centredCosine(vectors)
    for (const g of hashed) for (const id of g.slice(1)) expect(cos(g[0]!, id)).toBeGreaterThan(FEATURE_COSINE - 0.01)
    const hashedGroup = new Map(hashed.flatMap((g, k) => g.map((id) => [id, k] as const)))
    const pairs = exact.flatMap((g) => g.slice(1).map((id) => [g[0]!, id] as const))
    const kept = pairs.filter(([a, b]) => hashedGroup.has(a) && hashedGroup.get(a) === hashedGroup.get(b))
    expect(kept.length / pairs.length).toBeGreaterThanOrEqual(0.85)
  })

  it('documents its recall: pairs at the threshold share a bucket 6 times in 7, closer pairs almost always', () => {
    expect(hashingRecall(FEATURE_COSINE, 13, 60)).toBeGreaterThan(0.85)
    expect(hashingRecall(0.85, 13, 60)).toBeGreaterThan(0.99)
    expect(hashingRecall(0, 13, 60)).toBeLessThan(0.01)
  })

  it('ignores a vector equal to the mean and sets of fewer than two', () => {
    const f = (...v: number[]) => Float32Array.from(v)
    expect(featureGroups([1], [f(1, 2)])).toEqual([])
    expect(featureGroups([1, 2, 3], [f(1, 1), f(1, 1), f(1, 1)])).toEqual([])
  })
})

describe('mergeGroups', () => {
  it('merges groups that share an image and says which kind found what', () => {
    const byHash = [
      [1, 2],
      [5, 6],
    ]
    const byFeatures = [
      [2, 3],
      [8, 9],
      [5, 6],
    ]
    expect(mergeGroups(byHash, byFeatures)).toEqual({
      groups: [
        [1, 2, 3],
        [5, 6],
        [8, 9],
      ],
      onlyByFeatures: [8],
      extended: 1,
    })
  })
})
