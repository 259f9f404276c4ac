import { popcount } from './signals'

/** Largest Hamming distance (of 64 bits) at which two perceptual hashes count as the same picture. */
export const NEAR_DUP_BITS = 11

/**
 * Groups images whose perceptual hashes are within `maxBits` of each other (transitively: a chain
 * of close pairs is one group, then split around leaders, see splitChains). Groups of one are left
 * out; each group is sorted by id; groups come in the order of their chain's first index, then of
 * their leader's.
 *
 * Multi-index hashing: the 64 bits are dealt into four 16-bit chunks (bit p into chunk p mod 4, so
 * the low-frequency bits, alike across similar pictures, spread over all four), and two hashes
 * within `maxBits` agree to within r = ⌊maxBits / 4⌋ bits on at least one chunk (pigeonhole). So
 * for each chunk, the images are counting-sorted by chunk value into buckets, and only pairs of
 * buckets at most r bits apart are compared: 65,536 × 137 / 2 bucket pairs per chunk at r = 2, not
 * 5·10⁹ image pairs at 100,000 images. Bucket pairs go nearest first (0, then 1, then 2 bits apart,
 * every chunk), each round with the chains found so far: members of one chain are not compared
 * again, which is what makes a set like Fashion-MNIST, where most pictures have close neighbours and
 * 60 % of them end in one chain, cheap.
 */
export function nearDuplicateGroups(
  ids: ArrayLike<number>,
  hashes: readonly string[],
  maxBits = NEAR_DUP_BITS,
  /** Per image mean brightness and colour spread (0–255): copies of one picture also match in tone. */
  tone: { brightness: ArrayLike<number>; colourfulness: ArrayLike<number> } | null = null,
): number[][] {
  const n = hashes.length
  const hi = new Uint32Array(n)
  const lo = new Uint32Array(n)
  for (let i = 0; i < n; i++) {
    hi[i] = parseInt(hashes[i]!.slice(0, 8), 16) >>> 0
    lo[i] = parseInt(hashes[i]!.slice(8, 16), 16) >>> 0
  }
  const radius = Math.min(16, Math.floor(maxBits / CHUNKS))
  const keys = chunkKeys(hi, lo)
  const bright = tone ? Float64Array.from(tone.brightness) : null
  const colour = tone ? Float64Array.from(tone.colourfulness) : null
  const { find, union } = unionFind(n)
  const b = new Buckets(hi, lo)
  for (let bits = 0; bits <= radius; bits++) {
    const masks = flipMasks(bits, bits)
    for (const key of keys) {
      b.sort(key, find)
      const { start, member, root, runEnd } = b
      const memberHi = b.hi
      const memberLo = b.lo
      for (let v = 0; v < BUCKETS; v++) {
        const sv = start[v]!
        const ev = start[v + 1]!
        if (sv === ev) continue
        for (let m = 0; m < masks.length; m++) {
          const w = v ^ masks[m]!
          // Each pair of buckets once; within one bucket each pair of chains once.
          if (w < v) continue
          const sw = start[w]!
          const ew = start[w + 1]!
          for (let p = sv; p < ev; p++) {
            const rp = root[p]!
            const hiP = memberHi[p]!
            const loP = memberLo[p]!
            // Sorted by chain within a bucket: skip the run of p's own chain.
            for (let k = w === v ? runEnd[p]! : sw; k < ew; k++) {
              if (root[k] === rp) {
                k = runEnd[k]! - 1
                continue
              }
              if (popcount(hiP ^ memberHi[k]!) + popcount(loP ^ memberLo[k]!) > maxBits) continue
              const i = member[p]!
              const j = member[k]!
              if (bright && !sameTone(bright, colour!, i, j)) continue
              union(i, j)
            }
          }
        }
      }
    }
  }
  return splitChains(hi, lo, keys, radius, find, maxBits).map((g) => g.map((i) => ids[i]!).sort((a, b) => a - b))
}

const CHUNKS = 4
/** Leaders of a chain tried one by one before its multi-index (cheaper than 137 × 4 bucket probes). */
const FIRST_LEADERS = 48
const BUCKETS = 1 << 16

/** The four 16-bit chunk values of every hash: bit p (0 = the first hex digit's high bit) goes to chunk p mod 4. */
function chunkKeys(hi: Uint32Array, lo: Uint32Array): Uint16Array[] {
  const keys = Array.from({ length: CHUNKS }, () => new Uint16Array(hi.length))
  for (let i = 0; i < hi.length; i++) {
    for (let p = 0; p < 64; p++) {
      const bit = p < 32 ? (hi[i]! >>> (31 - p)) & 1 : (lo[i]! >>> (63 - p)) & 1
      const key = keys[p % CHUNKS]!
      key[i] = (key[i]! << 1) | bit
    }
  }
  return keys
}

/**
 * One chunk's buckets: member[start[v] … start[v + 1]) are the images whose chunk value is v, in
 * order of their chain's root as the round began (then of index), with their hashes alongside; runEnd[k]
 * is where the run of k's chain ends in its bucket.
 */
class Buckets {
  readonly start = new Int32Array(BUCKETS + 1)
  readonly member: Int32Array
  readonly root: Int32Array
  readonly runEnd: Int32Array
  readonly hi: Uint32Array
  readonly lo: Uint32Array
  private readonly byRoot: Int32Array
  private readonly rootStart: Int32Array
  private readonly snapshot: Int32Array

  constructor(
    private readonly hashHi: Uint32Array,
    private readonly hashLo: Uint32Array,
  ) {
    const n = hashHi.length
    this.member = new Int32Array(n)
    this.root = new Int32Array(n)
    this.runEnd = new Int32Array(n)
    this.hi = new Uint32Array(n)
    this.lo = new Uint32Array(n)
    this.byRoot = new Int32Array(n)
    this.rootStart = new Int32Array(n + 1)
    this.snapshot = new Int32Array(n)
  }

  sort(key: Uint16Array, find: (i: number) => number): void {
    const n = this.member.length
    const { start, member, root, runEnd, byRoot, rootStart, snapshot } = this
    for (let i = 0; i < n; i++) snapshot[i] = find(i)
    // Two counting sorts: by root, then stably by chunk value.
    rootStart.fill(0)
    for (let i = 0; i < n; i++) rootStart[snapshot[i]! + 1] = rootStart[snapshot[i]! + 1]! + 1
    for (let r = 0; r < n; r++) rootStart[r + 1] = rootStart[r + 1]! + rootStart[r]!
    for (let i = 0; i < n; i++) byRoot[rootStart[snapshot[i]!]!++] = i
    start.fill(0)
    for (let i = 0; i < n; i++) start[key[i]! + 1] = start[key[i]! + 1]! + 1
    for (let v = 0; v < BUCKETS; v++) start[v + 1] = start[v + 1]! + start[v]!
    const fill = start.slice(0, BUCKETS)
    for (let t = 0; t < n; t++) {
      const i = byRoot[t]!
      const k = fill[key[i]!]!++
      member[k] = i
      root[k] = snapshot[i]!
    }
    for (let k = n - 1; k >= 0; k--) {
      const sameRun = k + 1 < n && root[k + 1] === root[k] && key[member[k + 1]!] === key[member[k]!]
      runEnd[k] = sameRun ? runEnd[k + 1]! : k + 1
      this.hi[k] = this.hashHi[member[k]!]!
      this.lo[k] = this.hashLo[member[k]!]!
    }
  }
}

/**
 * Largest difference in mean brightness and in colour spread (0–255) between copies of one
 * picture: re-encoding, resizing and light crops move them by a few units, while simple pictures
 * with the same layout (a shape on a plain background) hash alike but differ in colour.
 */
export const TONE_TOLERANCE = 12

function sameTone(brightness: Float64Array, colourfulness: Float64Array, i: number, j: number): boolean {
  return (
    Math.abs(brightness[i]! - brightness[j]!) <= TONE_TOLERANCE &&
    Math.abs(colourfulness[i]! - colourfulness[j]!) <= TONE_TOLERANCE
  )
}

/**
 * Union-find joins chains (a ~ b ~ c with a far from c). A near-duplicate group is what one
 * picture's copies look like: every member close to one leader. Each transitive group is split
 * greedily: in index order, a member joins the first leader (the lowest index) of its chain within
 * `maxBits`, else leads a group. Leaders are found by the same multi-index as the pairs (each
 * chunk's leaders in ascending bucket lists), so a chain of 60,000 images costs no scan over its
 * thousands of leaders per member.
 */
function splitChains(
  hi: Uint32Array,
  lo: Uint32Array,
  keys: Uint16Array[],
  radius: number,
  find: (i: number) => number,
  maxBits: number,
): number[][] {
  const n = hi.length
  const root = new Int32Array(n)
  const size = new Int32Array(n)
  for (let i = 0; i < n; i++) {
    root[i] = find(i)
    size[root[i]!] = size[root[i]!]! + 1
  }
  // Leader lists by chunk value, ascending: head[v] → first leader + 1, next[leader] → the following one + 1;
  // a bit per chunk value says whether its list is empty (most are: 32 KB in all, read before the lists).
  const heads = keys.map(() => new Int32Array(BUCKETS))
  const tails = keys.map(() => new Int32Array(BUCKETS))
  const nexts = keys.map(() => new Int32Array(n))
  const used = keys.map(() => new Int32Array(BUCKETS >> 5))
  const levels = Array.from({ length: radius + 1 }, (_, bits) => flipMasks(bits, bits))
  const groups = new Map<number, number[]>()
  const leadersOf = new Map<number, number[]>()
  for (let i = 0; i < n; i++) {
    const r = root[i]!
    if (size[r]! < 2) continue
    // The chain's first leaders one by one (the first within reach is the answer), then the index.
    const own = leadersOf.get(r)
    let best = -1
    let direct = false
    if (own) {
      const upTo = Math.min(own.length, FIRST_LEADERS)
      for (let k = 0; k < upTo && best === -1; k++) {
        const l = own[k]!
        if (popcount(hi[i]! ^ hi[l]!) + popcount(lo[i]! ^ lo[l]!) <= maxBits) best = l
      }
      direct = best !== -1 || own.length <= FIRST_LEADERS
    }
    for (let level = 0; level < levels.length && own && !direct; level++) {
      const masks = levels[level]!
      for (let c = 0; c < CHUNKS; c++) {
        const v = keys[c]![i]!
        const head = heads[c]!
        const next = nexts[c]!
        const bits = used[c]!
        for (let m = 0; m < masks.length; m++) {
          const w = v ^ masks[m]!
          if ((bits[w >>> 5]! & (1 << (w & 31))) === 0) continue
          for (let l1 = head[w]!; l1 !== 0; l1 = next[l1 - 1]!) {
            const l = l1 - 1
            if (best !== -1 && l >= best) break
            if (root[l] === r && popcount(hi[i]! ^ hi[l]!) + popcount(lo[i]! ^ lo[l]!) <= maxBits) {
              best = l
              break
            }
          }
        }
      }
    }
    if (best === -1) {
      best = i
      groups.set(i, [])
      if (own) own.push(i)
      else leadersOf.set(r, [i])
      for (let c = 0; c < CHUNKS; c++) {
        const v = keys[c]![i]!
        if (heads[c]![v] === 0) heads[c]![v] = i + 1
        else nexts[c]![tails[c]![v]! - 1] = i + 1
        tails[c]![v] = i + 1
        used[c]![v >>> 5]! |= 1 << (v & 31)
      }
    }
    groups.get(best)!.push(i)
  }
  // By chain (its lowest index), then by leader.
  const leaders = [...groups.keys()].filter((l) => groups.get(l)!.length > 1)
  leaders.sort((a, b) => root[a]! - root[b]! || a - b)
  return leaders.map((l) => groups.get(l)!)
}

/** Every 16-bit mask with `least` to `most` bits set. */
function flipMasks(most: number, least = 0): Int32Array {
  const out: number[] = []
  const add = (from: number, mask: number, set: number) => {
    if (set >= least) out.push(mask)
    for (let a = from; a < 16 && set < most; a++) add(a + 1, mask | (1 << a), set + 1)
  }
  add(0, 0, 0)
  return Int32Array.from(out)
}

/** The union-find's sets of more than one member, as sorted id lists. */
function collect(ids: ArrayLike<number>, n: number, find: (i: number) => number): number[][] {
  const groups = new Map<number, number[]>()
  for (let i = 0; i < n; i++) {
    const r = find(i)
    const g = groups.get(r)
    if (g) g.push(ids[i]!)
    else groups.set(r, [ids[i]!])
  }
  return [...groups.values()].filter((g) => g.length > 1).map((g) => g.sort((a, b) => a - b))
}

/** Union-find over 0…n − 1 (path halving; the smaller index becomes the root). */
export function unionFind(n: number) {
  const parent = Int32Array.from({ length: n }, (_, i) => i)
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!
      i = parent[i]!
    }
    return i
  }
  const union = (i: number, j: number) => {
    const a = find(i)
    const b = find(j)
    if (a !== b) parent[Math.max(a, b)] = Math.min(a, b)
  }
  return { find, union }
}

/** Near-duplicate groups of two kinds as one list, and how many of them each kind found. */
export interface MergedGroups {
  groups: number[][]
  /** First ids of the groups with no two members close by perceptual hash: found by backbone features alone. */
  onlyByFeatures: number[]
  /** Groups holding a hash group and more images that backbone features joined to it. */
  extended: number
}

/**
 * Hash groups and feature groups merged where they share an image (each group sorted by id, the
 * list by first id): a picture's copies are one group, whichever way each copy was found.
 */
export function mergeGroups(hashGroups: readonly number[][], featureGroups: readonly number[][]): MergedGroups {
  const index = new Map<number, number>()
  for (const g of [...hashGroups, ...featureGroups]) for (const id of g) if (!index.has(id)) index.set(id, index.size)
  const ids = [...index.keys()]
  const { find, union } = unionFind(ids.length)
  for (const g of [...hashGroups, ...featureGroups])
    for (const id of g.slice(1)) union(index.get(g[0]!)!, index.get(id)!)
  const groups = collect(ids, ids.length, find).sort((a, b) => a[0]! - b[0]!)
  const hashSize = new Map<number, number>()
  for (const g of hashGroups) {
    const root = find(index.get(g[0]!)!)
    hashSize.set(root, (hashSize.get(root) ?? 0) + g.length)
  }
  const onlyByFeatures: number[] = []
  let extended = 0
  for (const g of groups) {
    const covered = hashSize.get(find(index.get(g[0]!)!))
    if (covered === undefined) onlyByFeatures.push(g[0]!)
    else if (covered < g.length) extended++
  }
  return { groups, onlyByFeatures, extended }
}
