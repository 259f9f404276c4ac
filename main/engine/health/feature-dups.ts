import { rng, shuffle } from '../random'
import { unionFind } from './near-dups'
import { popcount } from './signals'

/**
 * Cosine similarity of two images' backbone features, centred on the set's mean feature, at or
 * above which they are near-duplicates. Measured on 100 hymenoptera photos with MobileNet v1 0.75
 * and 0.25 (bench/RESULTS.md): crops of 5 % a side and mirror images score 0.79–0.97, crops of 10 %
 * a side 0.69–0.9 (median ≈ 0.8), while the closest of 4,950 unrelated pairs scored 0.60 and 0.65.
 */
export const FEATURE_COSINE = 0.75

/** Vectors by index, read on demand (the report reads 100,000 feature files one at a time). */
export interface VectorSource {
  count: number
  dim: number
  vector(i: number): Float32Array
}

export interface FeatureGroupOptions {
  /** Cosine at or above which two vectors join (default FEATURE_COSINE). */
  minCosine?: number
  /**
   * Subtract the mean vector first (default true). Pooled backbone features are ReLU outputs,
   * all positive: uncentred, unrelated photos already score 0.6–0.85 and copies barely stand out.
   */
  center?: boolean
  /** Compare all pairs up to this many vectors (exact, and faster than hashing for small sets). */
  exactUpTo?: number
  /** Random-hyperplane hashing: sketch bits per vector, and tables of `bits` of them each (see hashingRecall). */
  sketchBits?: number
  bits?: number
  tables?: number
  seed?: number
  /** Progress: vectors read (then quantised), then hash tables searched; total = vectors + tables (+ 1 when exact). */
  onProgress?: (done: number, total: number) => void
}

/** Up to this many vectors estimate the mean (evenly spread over the set). */
const MEAN_SAMPLE = 2048
/** Non-zero entries (±1) of each random hyperplane: sparse, so sketching 100,000 vectors takes a second. */
const HYPERPLANE_TERMS = 16
/**
 * Hashing: each vector's sketch has SKETCH_BITS signs; TABLES tables bucket the vectors by TABLE_BITS
 * of them each (drawn at random). A pair at the threshold cosine (0.75: 41°, each sign differs with
 * probability 0.23) shares some table's bucket with probability hashingRecall(0.75, 13, 60) ≈ 0.87,
 * at 0.8 ≈ 0.96, at 0.85 ≈ 0.99 (copies are mostly well above the threshold); unrelated vectors
 * (≈ 90°) share a bucket with probability 2⁻¹³ per table. 100,000 vectors of 768: ≈ 9 s of CPU on a
 * loaded 2-core VM (14 bits: 7 s and fewer pairs at the threshold found; 12 bits: 12 s), against
 * ≈ 10¹¹ multiplications for all pairs. bench/RESULTS.md.
 */
const SKETCH_BITS = 512
const TABLE_BITS = 13
const TABLES = 60
/** A bucket larger than this is compared against its first members only (see pairsIn). */
const MAX_BUCKET = 2048

export function vectorsOf(list: readonly Float32Array[]): VectorSource {
  return { count: list.length, dim: list[0]?.length ?? 0, vector: (i) => list[i]! }
}

/**
 * Groups vectors whose cosine similarity is at least `minCosine`: transitively, then split around
 * leaders as the hash groups are (every member close to its group's first). Groups of one are
 * left out; each group is sorted by id.
 *
 * Not all pairs (100,000 vectors are 5·10⁹ of them): random-hyperplane hashing. Each vector gets
 * a sketch of `bits × tables` signs of random projections; two vectors at angle θ disagree on
 * each sign with probability θ/π, so copies share all `bits` signs of some table far more often
 * than unrelated pictures. Only pairs sharing a table's bucket are looked at, first by how many
 * sketch bits they disagree on, then by their exact cosine (int8-quantised vectors).
 */
export function featureGroups(
  ids: ArrayLike<number>,
  vectors: VectorSource | readonly Float32Array[],
  opts: FeatureGroupOptions = {},
): number[][] {
  const src = Array.isArray(vectors) ? vectorsOf(vectors as readonly Float32Array[]) : (vectors as VectorSource)
  const { minCosine = FEATURE_COSINE, center = true, exactUpTo = 600, seed = 1 } = opts
  const { sketchBits = SKETCH_BITS, bits = TABLE_BITS, tables = TABLES, onProgress } = opts
  const n = src.count
  if (n < 2 || src.dim === 0) return []
  const steps = n <= exactUpTo ? 1 : tables
  const q = quantise(src, center ? meanOf(src) : null, onProgress && ((i) => onProgress(i, n + steps)))
  const { find, union } = unionFind(n)
  const close = (a: number, b: number) => cosine(q, a, b) >= minCosine
  if (n <= exactUpTo) {
    for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) if (find(a) !== find(b) && close(a, b)) union(a, b)
  } else {
    const sketch = sketches(q, sketchBits, seed)
    const maxDiff = sketchTolerance(minCosine, sketchBits)
    const words = sketch.words
    const candidate = (a: number, b: number) => {
      if (find(a) === find(b)) return
      let diff = 0
      for (let w = 0, x = a * words, y = b * words; w < words; w++)
        diff += popcount(sketch.data[x + w]! ^ sketch.data[y + w]!)
      if (diff <= maxDiff && close(a, b)) union(a, b)
    }
    const r = rng(seed + 1)
    for (let t = 0; t < tables; t++) {
      const positions = shuffle(
        Array.from({ length: sketchBits }, (_, i) => i),
        r,
      ).slice(0, bits)
      pairsIn(buckets(sketch, positions), candidate)
      onProgress?.(n + t + 1, n + steps)
    }
  }
  if (n <= exactUpTo) onProgress?.(n + 1, n + 1)
  const groups = new Map<number, number[]>()
  for (let i = 0; i < n; i++) {
    const r = find(i)
    const g = groups.get(r)
    if (g) g.push(i)
    else groups.set(r, [i])
  }
  const out: number[][] = []
  for (const g of groups.values()) {
    if (g.length < 2) continue
    const leaders: number[][] = []
    for (const i of g) {
      const home = leaders.find((l) => close(l[0]!, i))
      if (home) home.push(i)
      else leaders.push([i])
    }
    for (const l of leaders) if (l.length > 1) out.push(l.map((i) => ids[i]!).sort((a, b) => a - b))
  }
  return out.sort((a, b) => a[0]! - b[0]!)
}

/**
 * The most sketch bits (of `total`) two vectors at exactly `minCosine` disagree on, plus 3.5
 * standard deviations: closer pairs pass all but never, unrelated ones (θ near 90°) almost never.
 */
function sketchTolerance(minCosine: number, total: number): number {
  const p = Math.acos(Math.min(1, Math.max(-1, minCosine))) / Math.PI
  return Math.ceil(total * p + 3.5 * Math.sqrt(total * p * (1 - p)))
}

/** Probability that a pair at cosine `c` shares a bucket in at least one table. */
export function hashingRecall(c: number, bits: number, tables: number): number {
  const p = Math.acos(c) / Math.PI
  return 1 - (1 - (1 - p) ** bits) ** tables
}

function meanOf(src: VectorSource): Float64Array {
  const mean = new Float64Array(src.dim)
  const step = Math.max(1, Math.floor(src.count / MEAN_SAMPLE))
  let m = 0
  for (let i = 0; i < src.count; i += step, m++) {
    const v = src.vector(i)
    for (let d = 0; d < src.dim; d++) mean[d]! += v[d]!
  }
  for (let d = 0; d < src.dim; d++) mean[d]! /= m
  return mean
}

interface Quantised {
  dim: number
  /** n × dim, each vector scaled so its largest entry is ±127 (4× less memory than float32). */
  data: Int8Array
  /** Length of each quantised vector (0: a vector equal to the mean, close to nothing). */
  norm: Float64Array
}

function quantise(src: VectorSource, mean: Float64Array | null, progress?: (done: number) => void): Quantised {
  const { count: n, dim } = src
  const data = new Int8Array(n * dim)
  const norm = new Float64Array(n)
  const row = new Float64Array(dim)
  const shift = mean ?? new Float64Array(dim)
  for (let i = 0; i < n; i++) {
    if (progress && i % 1024 === 0) progress(i)
    const v = src.vector(i)
    let max = 0
    for (let d = 0; d < dim; d++) {
      const x = v[d]! - shift[d]!
      row[d] = x
      max = Math.max(max, x, -x)
    }
    if (!(max > 0)) continue
    const s = 127 / max
    let sq = 0
    for (let d = 0, o = i * dim; d < dim; d++, o++) {
      const x = Math.round(row[d]! * s)
      data[o] = x
      sq += x * x
    }
    norm[i] = Math.sqrt(sq)
  }
  return { dim, data, norm }
}

function cosine(q: Quantised, a: number, b: number): number {
  const na = q.norm[a]!
  const nb = q.norm[b]!
  if (!na || !nb) return 0
  let dot = 0
  for (let d = 0, x = a * q.dim, y = b * q.dim; d < q.dim; d++, x++, y++) dot += q.data[x]! * q.data[y]!
  return dot / (na * nb)
}

interface Sketches {
  /** Uint32 words per vector. */
  words: number
  data: Uint32Array
}

/**
 * `total` sign bits per vector, of sparse random hyperplanes drawn from `seed`: each adds
 * HYPERPLANE_TERMS / 2 entries and subtracts as many (offsets into the vector, so no multiplications).
 */
function sketches(q: Quantised, total: number, seed: number): Sketches {
  const r = rng(seed)
  const half = HYPERPLANE_TERMS / 2
  const plus = Int32Array.from({ length: total * half }, () => Math.floor(r() * q.dim))
  const minus = Int32Array.from({ length: total * half }, () => Math.floor(r() * q.dim))
  const words = Math.ceil(total / 32)
  const n = q.norm.length
  const data = new Uint32Array(n * words)
  const x = q.data
  for (let i = 0; i < n; i++) {
    const base = i * q.dim
    for (let w = 0; w < words; w++) {
      let word = 0
      for (let h = w * 32, end = Math.min(total, h + 32); h < end; h++) {
        let s = 0
        for (let e = h * half, stop = e + half; e < stop; e++) s += x[base + plus[e]!]! - x[base + minus[e]!]!
        if (s > 0) word |= 1 << (h & 31)
      }
      data[i * words + w] = word >>> 0
    }
  }
  return { words, data }
}

/** Vector indices grouped by their sketch bits at `positions`: [start of each bucket…, n] over `order`. */
function buckets(s: Sketches, positions: readonly number[]): { order: Int32Array; starts: Int32Array } {
  const n = s.data.length / s.words
  const bits = positions.length
  const key = new Int32Array(n)
  for (let i = 0; i < n; i++) {
    let k = 0
    for (const h of positions) k = (k << 1) | ((s.data[i * s.words + (h >>> 5)]! >>> (h & 31)) & 1)
    key[i] = k
  }
  // Counting sort by key: each bucket's members end up contiguous, in index order.
  const starts = new Int32Array((1 << bits) + 1)
  for (let i = 0; i < n; i++) starts[key[i]! + 1]!++
  for (let k = 0; k < 1 << bits; k++) starts[k + 1]! += starts[k]!
  const fill = starts.slice(0, 1 << bits)
  const order = new Int32Array(n)
  for (let i = 0; i < n; i++) order[fill[key[i]!]!++] = i
  return { order, starts }
}

/**
 * Every pair within each bucket. A bucket over MAX_BUCKET members (a set of near-identical
 * vectors) pairs each member with the first MAX_BUCKET only, so one huge bucket cannot take
 * quadratic time; its members then still join through those first ones.
 */
function pairsIn({ order, starts }: { order: Int32Array; starts: Int32Array }, visit: (a: number, b: number) => void) {
  for (let k = 0; k + 1 < starts.length; k++) {
    const lo = starts[k]!
    const hi = starts[k + 1]!
    for (let x = lo + 1; x < hi; x++) {
      const b = order[x]!
      for (let y = lo, end = Math.min(x, lo + MAX_BUCKET); y < end; y++) visit(order[y]!, b)
    }
  }
}
