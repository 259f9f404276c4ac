import { popcount } from './signals'

/** Largest Hamming distance (of 64 bits) at which two perceptual hashes count as the same picture. */
export const NEAR_DUP_BITS = 11

/**
 * Groups images whose perceptual hashes are within `maxBits` of each other (transitively: a chain
 * of close pairs is one group). Groups of one are left out; each group is sorted by id.
 *
 * Multi-index hashing: the 64 bits are four 16-bit chunks, and two hashes within `maxBits` agree to
 * within ⌊maxBits / 4⌋ bits on at least one chunk (pigeonhole). Every chunk value indexes a bucket
 * list directly, and only the ≤ 137 chunk values within 2 bits are visited per chunk, so 100,000
 * hashes group in about a second instead of 5·10⁹ pair comparisons.
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
  const radius = Math.floor(maxBits / 4)
  const masks = Int32Array.from(flipMasks(radius))
  const { find, union } = unionFind(n)
  const head = new Int32Array(1 << 16)
  const next = new Int32Array(n)
  const value = new Uint16Array(n)
  for (let c = 0; c < 4; c++) {
    const words = c < 2 ? hi : lo
    const shift = c % 2 === 0 ? 16 : 0
    // Bucket lists as typed arrays: head[value] → first index + 1, next[index] → following index + 1.
    head.fill(0)
    for (let i = 0; i < n; i++) {
      const v = (words[i]! >>> shift) & 0xffff
      value[i] = v
      next[i] = head[v]!
      head[v] = i + 1
    }
    for (let i = 0; i < n; i++) {
      const v = value[i]!
      const hiI = hi[i]!
      const loI = lo[i]!
      for (let m = 0; m < masks.length; m++) {
        for (let j1 = head[v ^ masks[m]!]!; j1 !== 0; j1 = next[j1 - 1]!) {
          const j = j1 - 1
          // Lists run from the highest index down: the rest of this one was paired with i already.
          if (j <= i) break
          if (popcount(hiI ^ hi[j]!) + popcount(loI ^ lo[j]!) > maxBits) continue
          if (tone && !sameTone(tone, i, j)) continue
          union(i, j)
        }
      }
    }
  }
  const distance = (a: number, b: number) => popcount(hi[a]! ^ hi[b]!) + popcount(lo[a]! ^ lo[b]!)
  return splitChains(
    collect(
      Array.from({ length: n }, (_, i) => i),
      n,
      find,
    ),
    distance,
    maxBits,
  ).map((g) => g.map((i) => ids[i]!).sort((a, b) => a - b))
}

/**
 * Largest difference in mean brightness and in colour spread (0–255) between copies of one
 * picture: re-encoding, resizing and light crops move them by a few units, while simple pictures
 * with the same layout (a shape on a plain background) hash alike but differ in colour.
 */
export const TONE_TOLERANCE = 12

function sameTone(
  t: { brightness: ArrayLike<number>; colourfulness: ArrayLike<number> },
  i: number,
  j: number,
): boolean {
  return (
    Math.abs(t.brightness[i]! - t.brightness[j]!) <= TONE_TOLERANCE &&
    Math.abs(t.colourfulness[i]! - t.colourfulness[j]!) <= TONE_TOLERANCE
  )
}

/**
 * Union-find joins chains (a ~ b ~ c with a far from c). A near-duplicate group is what one
 * picture's copies look like: every member close to one leader. Each transitive group is split
 * greedily: in index order, a member joins the first leader within `maxBits`, else leads a group.
 */
function splitChains(groups: number[][], distance: (a: number, b: number) => number, maxBits: number): number[][] {
  const out: number[][] = []
  for (const g of groups) {
    const leaders: number[][] = []
    for (const i of g) {
      const home = leaders.find((l) => distance(l[0]!, i) <= maxBits)
      if (home) home.push(i)
      else leaders.push([i])
    }
    out.push(...leaders.filter((l) => l.length > 1))
  }
  return out
}

/** Every 16-bit mask with at most `radius` bits set. */
function flipMasks(radius: number): number[] {
  const out = [0]
  for (let a = 0; a < 16 && radius >= 1; a++) {
    out.push(1 << a)
    for (let b = a + 1; b < 16 && radius >= 2; b++) {
      out.push((1 << a) | (1 << b))
      for (let c = b + 1; c < 16 && radius >= 3; c++) out.push((1 << a) | (1 << b) | (1 << c))
    }
  }
  return out
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
