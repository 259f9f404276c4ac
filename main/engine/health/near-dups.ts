import { popcount } from './signals'

/** Largest Hamming distance (of 64 bits) at which two perceptual hashes count as the same picture. */
export const NEAR_DUP_BITS = 11

/**
 * Groups images whose perceptual hashes are within `maxBits` of each other (transitively: a chain
 * of close pairs is one group, then split around leaders, see splitChains). Groups of one are left
 * out; each group is sorted by id; groups come in the order of their chain's first index, then of
 * their leader's.
 *
 * Multi-index hashing: the 64 bits are dealt into four 16-bit chunks, and two hashes within
 * `maxBits` agree to within r = ⌊maxBits / 4⌋ bits on at least one chunk (pigeonhole), whichever
 * bits each chunk holds. So for each chunk, the images are counting-sorted by chunk value into
 * buckets, and only pairs of buckets at most r bits apart are compared: 65,536 × 137 / 2 bucket
 * pairs per chunk at r = 2, not 5·10⁹ image pairs at 100,000 images. Bucket pairs go nearest first
 * (0, then 1, then 2 bits apart, every chunk), each round with the chains found so far: members of
 * one chain are not compared again, which is what makes a set like Fashion-MNIST, where most
 * pictures have close neighbours and 60 % of them end in one chain, cheap.
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
  const join = (i: number, j: number) => {
    if (!bright || sameTone(bright, colour!, i, j)) union(i, j)
  }
  const b = new Buckets(hi, lo)
  for (let bits = 0; bits <= radius; bits++) {
    // The masks of `bits` bits by their highest bit a: w = v ^ mask > v exactly when v's bit a is 0.
    const { masks, from } = byTopBit(flipMasks(bits, bits))
    for (const key of keys) {
      b.sort(key, find)
      const { start, member, used, data } = b
      for (let u = 0; u < used.length; u++) {
        const v = used[u]!
        const sv = start[v]!
        const ev = start[v + 1]!
        for (let a = bits === 0 ? -1 : 0; a < KEY_BITS; a++) {
          // Each pair of buckets once (a = -1: the bucket with itself, each pair of chains once).
          if (a >= 0 && (v >>> a) & 1) continue
          for (let m = a < 0 ? 0 : from[a]!; m < (a < 0 ? 1 : from[a + 1]!); m++) {
            const w = v ^ masks[m]!
            const sw = start[w]!
            const ew = start[w + 1]!
            if (sw === ew) continue
            if (w === v) {
              for (let p = sv; p < ev; p++) {
                const hiP = data[4 * p]!
                const loP = data[4 * p + 1]!
                const rp = data[4 * p + 2]!
                // Sorted by chain within a bucket: skip the run of p's own chain.
                for (let k = data[4 * p + 3]!; k < ev; k++) {
                  if (data[4 * k + 2] === rp) {
                    k = data[4 * k + 3]! - 1
                    continue
                  }
                  if (popcount(hiP ^ data[4 * k]!) + popcount(loP ^ data[4 * k + 1]!) > maxBits) continue
                  join(member[p]!, member[k]!)
                }
              }
              continue
            }
            for (let p = sv; p < ev; p++) {
              const hiP = data[4 * p]!
              const loP = data[4 * p + 1]!
              const rp = data[4 * p + 2]!
              for (let k = sw; k < ew; k++) {
                if (data[4 * k + 2] === rp) {
                  k = data[4 * k + 3]! - 1
                  continue
                }
                if (popcount(hiP ^ data[4 * k]!) + popcount(loP ^ data[4 * k + 1]!) > maxBits) continue
                join(member[p]!, member[k]!)
              }
            }
          }
        }
      }
    }
  }
  return splitChains(hi, lo, keys, radius, find, maxBits).map((g) => g.map((i) => ids[i]!).sort((a, b) => a - b))
}

const CHUNKS = 4
/** Chains up to this size are split member by member against their leaders, larger ones through the buckets. */
const SMALL_CHAIN = 24
const KEY_BITS = 16
const BUCKETS = 1 << KEY_BITS

/**
 * The four 16-bit chunk values of every hash. Any split of the 64 bits into four chunks keeps the
 * pigeonhole, but buckets only sort well on bits that vary: pHash's first bit (the DC term) is
 * nearly always set and the lowest frequencies lean one way on simple pictures (on Fashion-MNIST,
 * dealing bit p into chunk p mod 4 gave one chunk 8,000 used values of 65,536). So the bits are
 * dealt by how evenly they split these hashes, most even first, to chunks 0 1 2 3 3 2 1 0 …
 */
function chunkKeys(hi: Uint32Array, lo: Uint32Array): Uint16Array[] {
  const n = hi.length
  // Each byte's values counted (bit p is bit 7 − p mod 8 of byte ⌊p / 8⌋, byte 0 the first two hex digits).
  const byteOf = (i: number, q: number) => ((q < 4 ? hi[i]! : lo[i]!) >>> (24 - 8 * (q & 3))) & 255
  const seen = new Float64Array(8 * 256)
  for (let i = 0; i < n; i++) for (let q = 0; q < 8; q++) seen[q * 256 + byteOf(i, q)]!++
  const ones = new Float64Array(64)
  for (let p = 0; p < 64; p++) {
    for (let x = 0; x < 256; x++) if ((x >>> (7 - (p & 7))) & 1) ones[p] = ones[p]! + seen[(p >>> 3) * 256 + x]!
  }
  const skew = (p: number) => Math.abs(ones[p]! - n / 2)
  const order = Array.from({ length: 64 }, (_, p) => p).sort((a, b) => skew(a) - skew(b) || a - b)
  // Bit p's place in its chunk's key; then per chunk and byte, what each byte value adds to the key.
  const chunkOf = new Int32Array(64)
  const place = new Int32Array(64)
  order.forEach((p, rank) => {
    const at = rank % CHUNKS
    chunkOf[p] = Math.floor(rank / CHUNKS) % 2 ? CHUNKS - 1 - at : at
    place[p] = Math.floor(rank / CHUNKS)
  })
  const adds = Array.from({ length: CHUNKS }, () => new Uint16Array(8 * 256))
  for (let p = 0; p < 64; p++) {
    const add = adds[chunkOf[p]!]!
    for (let x = 0; x < 256; x++) {
      const k = (p >>> 3) * 256 + x
      if ((x >>> (7 - (p & 7))) & 1) add[k] = add[k]! | (1 << place[p]!)
    }
  }
  const keys = Array.from({ length: CHUNKS }, () => new Uint16Array(n))
  for (let c = 0; c < CHUNKS; c++) {
    const add = adds[c]!
    const key = keys[c]!
    for (let i = 0; i < n; i++) {
      const h = hi[i]!
      const l = lo[i]!
      key[i] =
        add[h >>> 24]! |
        add[256 + ((h >>> 16) & 255)]! |
        add[512 + ((h >>> 8) & 255)]! |
        add[768 + (h & 255)]! |
        add[1024 + (l >>> 24)]! |
        add[1280 + ((l >>> 16) & 255)]! |
        add[1536 + ((l >>> 8) & 255)]! |
        add[1792 + (l & 255)]!
    }
  }
  return keys
}

/** Masks sorted by their highest set bit: masks[from[a] … from[a + 1]) have bit a highest. */
function byTopBit(all: Int32Array): { masks: Int32Array; from: Int32Array } {
  const top = (m: number) => 31 - Math.clz32(m)
  const masks = Int32Array.from([...all].sort((x, y) => top(x) - top(y) || x - y))
  const from = new Int32Array(KEY_BITS + 1)
  for (let a = 0; a <= KEY_BITS; a++) from[a] = masks.findIndex((m) => m > 0 && top(m) >= a)
  for (let a = KEY_BITS; a >= 0; a--) if (from[a]! < 0) from[a] = a === KEY_BITS ? masks.length : from[a + 1]!
  return { masks, from }
}

/**
 * One chunk's buckets: member[start[v] … start[v + 1]) are the images whose chunk value is v, in
 * order of their chain's root as the round began (then of index); data holds four numbers per
 * place (one cache line for four): the hash's two halves, the root, and where the run of its chain
 * ends in its bucket. used lists the values with images, ascending.
 */
class Buckets {
  start: Int32Array = new Int32Array(BUCKETS + 1)
  used: Int32Array = new Int32Array(0)
  readonly member: Int32Array
  readonly data: Int32Array
  private readonly known = new Map<Uint16Array, { start: Int32Array; used: Int32Array }>()
  private readonly byRoot: Int32Array
  private readonly rootStart: Int32Array
  private readonly snapshot: Int32Array

  constructor(
    private readonly hashHi: Uint32Array,
    private readonly hashLo: Uint32Array,
  ) {
    const n = hashHi.length
    this.member = new Int32Array(n)
    this.data = new Int32Array(4 * n)
    this.byRoot = new Int32Array(n)
    this.rootStart = new Int32Array(n + 1)
    this.snapshot = new Int32Array(n)
  }

  sort(key: Uint16Array, find: (i: number) => number): void {
    const n = this.member.length
    const { member, data, byRoot, rootStart, snapshot, hashHi, hashLo } = this
    for (let i = 0; i < n; i++) snapshot[i] = find(i)
    // Two counting sorts: by root, then stably by chunk value (whose bucket bounds are the chunk's own).
    rootStart.fill(0)
    for (let i = 0; i < n; i++) rootStart[snapshot[i]! + 1] = rootStart[snapshot[i]! + 1]! + 1
    for (let r = 0; r < n; r++) rootStart[r + 1] = rootStart[r + 1]! + rootStart[r]!
    for (let i = 0; i < n; i++) byRoot[rootStart[snapshot[i]!]!++] = i
    const { start, used } = this.bounds(key)
    this.start = start
    this.used = used
    const fill = start.slice(0, BUCKETS)
    for (let t = 0; t < n; t++) {
      const i = byRoot[t]!
      const k = fill[key[i]!]!++
      member[k] = i
      data[4 * k] = hashHi[i]!
      data[4 * k + 1] = hashLo[i]!
      data[4 * k + 2] = snapshot[i]!
    }
    for (let u = 0; u < used.length; u++) {
      const sv = start[used[u]!]!
      const ev = start[used[u]! + 1]!
      for (let k = ev - 1; k >= sv; k--) {
        data[4 * k + 3] = k + 1 < ev && data[4 * k + 6] === data[4 * k + 2] ? data[4 * k + 7]! : k + 1
      }
    }
  }

  /** Where each chunk value's bucket starts, and the values with images: the same every round. */
  private bounds(key: Uint16Array): { start: Int32Array; used: Int32Array } {
    let b = this.known.get(key)
    if (b) return b
    const start = new Int32Array(BUCKETS + 1)
    for (let i = 0; i < key.length; i++) start[key[i]! + 1] = start[key[i]! + 1]! + 1
    let used = 0
    for (let v = 0; v < BUCKETS; v++) {
      if (start[v + 1]! > 0) used++
      start[v + 1] = start[v + 1]! + start[v]!
    }
    b = { start, used: new Int32Array(used) }
    for (let v = 0, u = 0; v < BUCKETS; v++) if (start[v + 1]! > start[v]!) b.used[u++] = v
    this.known.set(key, b)
    return b
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
 * `maxBits`, else leads a group. Swept the other way round: in index order, an image nobody has
 * claimed leads, and claims every unclaimed image of its chain within `maxBits` — each is then
 * claimed by the first leader within reach, as the rule says. The unclaimed images wait in the
 * chunks' buckets and leave them when claimed, so a leader's search (137 buckets per chunk at
 * r = 2) only meets images still open, and one whose chain has none left searches nothing.
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
  const open = new Int32Array(n)
  for (let i = 0; i < n; i++) {
    root[i] = find(i)
    open[root[i]!] = open[root[i]!]! + 1
  }
  const size = open.slice()
  const leaderOf = new Int32Array(n).fill(-1)
  // Small chains (most of them) by the rule itself: each member tries its chain's leaders in order.
  // Their leaders are kept in the chain's share of `ledBy` (a counting sort's layout by root).
  const first = new Int32Array(n)
  for (let r = 0, at = 0; r < n; r++) {
    first[r] = at
    if (size[r]! <= SMALL_CHAIN) at += size[r]!
  }
  const ledBy = new Int32Array(n)
  const led = new Int32Array(n)
  for (let i = 0; i < n; i++) {
    const r = root[i]!
    if (size[r]! < 2 || size[r]! > SMALL_CHAIN) continue
    let l = i
    for (let t = first[r]!; t < first[r]! + led[r]!; t++) {
      const c = ledBy[t]!
      if (popcount(hi[i]! ^ hi[c]!) + popcount(lo[i]! ^ lo[c]!) <= maxBits) {
        l = c
        break
      }
    }
    if (l === i) ledBy[first[r]! + led[r]!++] = i
    leaderOf[i] = l
  }
  // Each chunk's buckets of the open images of the larger chains: bucket v is places
  // at[2v] … at[2v] + at[2v + 1] of slot, four numbers a place (image, root, hash halves), so a
  // search reads its buckets in order; where[c·n + j] is image j's place in chunk c.
  const ats = keys.map(() => new Int32Array(2 * BUCKETS))
  const slots = keys.map(() => new Int32Array(4 * n))
  const where = new Int32Array(CHUNKS * n)
  // A bit per chunk value: does its bucket hold an open image? (8 KB a chunk, read before the bucket.)
  const held = keys.map(() => new Int32Array(BUCKETS >> 5))
  for (let c = 0; c < CHUNKS; c++) {
    const key = keys[c]!
    const at = ats[c]!
    const slot = slots[c]!
    for (let i = 0; i < n; i++) if (size[root[i]!]! > SMALL_CHAIN) at[2 * key[i]! + 1]!++
    for (let v = 1; v < BUCKETS; v++) at[2 * v] = at[2 * v - 2]! + at[2 * v - 1]!
    for (let v = 0; v < BUCKETS; v++) at[2 * v + 1] = 0
    for (let i = 0; i < n; i++) {
      if (size[root[i]!]! <= SMALL_CHAIN) continue
      const v = key[i]!
      const k = at[2 * v]! + at[2 * v + 1]!++
      slot[4 * k] = i
      slot[4 * k + 1] = root[i]!
      slot[4 * k + 2] = hi[i]!
      slot[4 * k + 3] = lo[i]!
      where[c * n + i] = k
      held[c]![v >>> 5]! |= 1 << (v & 31)
    }
  }
  /** Image j leaves its chain's open count and every chunk's bucket (the bucket's last open image takes its place). */
  const claim = (j: number) => {
    open[root[j]!]!--
    for (let c = 0; c < CHUNKS; c++) {
      const v = keys[c]![j]!
      const at = ats[c]!
      const slot = slots[c]!
      const k = where[c * n + j]!
      const last = at[2 * v]! + --at[2 * v + 1]!
      for (let f = 0; f < 4; f++) slot[4 * k + f] = slot[4 * last + f]!
      where[c * n + slot[4 * k]!] = k
      if (last === at[2 * v]) held[c]![v >>> 5]! &= ~(1 << (v & 31))
    }
  }
  const masks = flipMasks(radius)
  for (let i = 0; i < n; i++) {
    const r = root[i]!
    if (leaderOf[i] !== -1 || open[r]! < 2) continue
    leaderOf[i] = i
    claim(i)
    const hiI = hi[i]!
    const loI = lo[i]!
    for (let c = 0; c < CHUNKS && open[r]! > 0; c++) {
      const v = keys[c]![i]!
      const at = ats[c]!
      const slot = slots[c]!
      const bits = held[c]!
      for (let m = 0; m < masks.length; m++) {
        const w = v ^ masks[m]!
        if ((bits[w >>> 5]! & (1 << (w & 31))) === 0) continue
        const s = at[2 * w]!
        for (let k = s; k < s + at[2 * w + 1]!;) {
          if (slot[4 * k + 1] === r && popcount(hiI ^ slot[4 * k + 2]!) + popcount(loI ^ slot[4 * k + 3]!) <= maxBits) {
            leaderOf[slot[4 * k]!] = i
            claim(slot[4 * k]!) // moves the bucket's last open image to k
          } else k++
        }
        if (open[r] === 0) break
      }
    }
  }
  const groups = new Map<number, number[]>()
  for (let i = 0; i < n; i++) {
    const l = leaderOf[i]!
    if (l === -1) continue
    const g = groups.get(l)
    if (g) g.push(i)
    else groups.set(l, [i])
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
