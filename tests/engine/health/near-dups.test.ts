import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { nearDuplicateGroups, NEAR_DUP_BITS, TONE_TOLERANCE } from '../../../main/engine/health/near-dups'
import { phash } from '../../../main/engine/health/phash'
import {
  hamming,
  laplacianVariance,
  measure,
  popcount,
  SIGNAL_STEP,
  signalsOf,
} from '../../../main/engine/health/signals'
import { rng } from '../../../main/engine/random'
import { scene, sceneRaw } from '../../helpers/scenes'

/** The variants a user's folder really holds: smaller, re-encoded, lightly cropped (2.5 % a side) copies. */
async function variants(seed: number): Promise<Buffer[]> {
  const orig = await scene(seed)
  const meta = { width: 320, height: 240 }
  return [
    orig,
    await sharp(orig).resize(160).jpeg({ quality: 60 }).toBuffer(),
    await sharp(orig).webp({ quality: 50 }).toBuffer(),
    await sharp(orig)
      .extract({ left: 8, top: 6, width: meta.width - 16, height: meta.height - 12 })
      .toBuffer(),
    await sharp(orig).resize(640, 480).png().toBuffer(),
  ]
}

describe('perceptual hash', () => {
  it('keeps resized, re-encoded and lightly cropped (2.5 % a side) copies within the near-duplicate distance', async () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const hashes = await Promise.all((await variants(seed)).map(async (b) => (await signalsOf(b)).phash))
      for (const h of hashes.slice(1)) expect(hamming(hashes[0]!, h)).toBeLessThanOrEqual(NEAR_DUP_BITS)
    }
  })

  it('puts unrelated pictures far apart', async () => {
    const hashes = await Promise.all(
      Array.from({ length: 30 }, async (_, i) => (await signalsOf(await scene(100 + i))).phash),
    )
    let closest = 64
    for (let i = 0; i < hashes.length; i++) {
      for (let j = i + 1; j < hashes.length; j++) closest = Math.min(closest, hamming(hashes[i]!, hashes[j]!))
    }
    expect(closest).toBeGreaterThan(NEAR_DUP_BITS)
  })

  it("measure()'s hash and sharpness, taken in its one pass over the samples, are those of the subsampled luminance", () => {
    const r = rng(12)
    for (const [w, h] of [
      [256, 192],
      [255, 170],
      [65, 257],
      [33, 40],
      [100, 7],
    ]) {
      const data = Uint8Array.from({ length: w! * h! * 3 }, (_, i) =>
        Math.floor(128 + 90 * Math.sin(i / 700) + r() * 30),
      )
      // Every SIGNAL_STEP-th pixel of every SIGNAL_STEP-th row, by hand.
      const sw = Math.ceil(w! / SIGNAL_STEP)
      const sh = Math.ceil(h! / SIGNAL_STEP)
      const luma = new Float32Array(sw * sh)
      for (let y = 0; y < sh; y++) {
        for (let x = 0; x < sw; x++) {
          const p = (y * SIGNAL_STEP * w! + x * SIGNAL_STEP) * 3
          luma[y * sw + x] = Math.fround(0.299 * data[p]! + 0.587 * data[p + 1]! + 0.114 * data[p + 2]!)
        }
      }
      const mean = luma.reduce((a, v) => a + v, 0) / luma.length
      const variance = luma.reduce((a, v) => a + (v - mean) ** 2, 0) / luma.length
      const got = measure({ data, width: w!, height: h!, channels: 3 })
      expect(got.phash).toBe(phash(luma, sw, sh))
      expect(got.brightness).toBeCloseTo(mean, 6)
      expect(got.sharpness).toBeCloseTo(laplacianVariance(luma, sw, sh) / Math.max(variance, 1), 6)
    }
  })

  it('is the same for the same pixels and 16 hex digits long', () => {
    const raw = sceneRaw(7)
    const a = measure({ ...raw, channels: 3 }).phash
    expect(a).toMatch(/^[0-9a-f]{16}$/)
    expect(measure({ ...raw, channels: 3 }).phash).toBe(a)
  })
})

describe('nearDuplicateGroups', () => {
  it('groups the variants of each picture and nothing else', async () => {
    const ids: number[] = []
    const hashes: string[] = []
    let id = 1
    const expected: number[][] = []
    for (const seed of [11, 12, 13]) {
      const group: number[] = []
      for (const b of await variants(seed)) {
        ids.push(id)
        group.push(id++)
        hashes.push((await signalsOf(b)).phash)
      }
      expected.push(group)
    }
    for (let s = 0; s < 20; s++) {
      ids.push(id++)
      hashes.push((await signalsOf(await scene(500 + s))).phash)
    }
    expect(nearDuplicateGroups(ids, hashes)).toEqual(expected)
  })

  it('matches a brute-force pairing on 3,000 random hashes with planted neighbours', () => {
    const r = rng(9)
    const hex = () =>
      Math.floor(r() * 2 ** 32)
        .toString(16)
        .padStart(8, '0')
    const hashes: string[] = []
    for (let i = 0; i < 3000; i++) {
      if (i % 10 === 9) {
        // A neighbour of the previous hash: flip a few random bits (up to 12, so some are out of range).
        let h = BigInt('0x' + hashes[i - 1]!)
        for (let f = Math.floor(r() * 13); f > 0; f--) h ^= 1n << BigInt(Math.floor(r() * 64))
        hashes.push(h.toString(16).padStart(16, '0'))
      } else hashes.push(hex() + hex())
    }
    const ids = hashes.map((_, i) => i)
    const brute: [number, number][] = []
    for (let i = 0; i < hashes.length; i++) {
      for (let j = i + 1; j < hashes.length; j++)
        if (hamming(hashes[i]!, hashes[j]!) <= NEAR_DUP_BITS) brute.push([i, j])
    }
    expect(brute.length).toBeGreaterThan(100)
    const groupOf = new Map<number, number>()
    nearDuplicateGroups(ids, hashes).forEach((g, k) => g.forEach((i) => groupOf.set(i, k)))
    for (const [i, j] of brute) expect(groupOf.get(i)).toBe(groupOf.get(j))
    // And no group without a close pair inside it.
    for (const [i] of groupOf) expect(brute.some(([a, b]) => a === i || b === i)).toBe(true)
  })

  it('groups 100,000 hashes without comparing every pair', () => {
    const r = rng(3)
    const hex = () =>
      Math.floor(r() * 2 ** 32)
        .toString(16)
        .padStart(8, '0')
    const hashes = Array.from({ length: 100_000 }, () => hex() + hex())
    hashes[500] = hashes[99_000]!
    const t0 = performance.now()
    const groups = nearDuplicateGroups(
      hashes.map((_, i) => i),
      hashes,
    )
    // Generous (a loaded 2-core VM measured up to 34 s): the pairwise loop takes many minutes.
    expect(performance.now() - t0).toBeLessThan(60_000)
    expect(groups).toContainEqual([500, 99_000])
  })

  it('gives exactly the groups of an all-pairs reference: chains, the threshold, tone, group order', () => {
    for (const seed of [1, 2, 3]) {
      const r = rng(seed)
      const word = () => Math.floor(r() * 2 ** 32) >>> 0
      const flip = (h: bigint, bits: number) => {
        const at = new Set<number>()
        while (at.size < bits) at.add(Math.floor(r() * 64))
        for (const b of at) h ^= 1n << BigInt(b)
        return h
      }
      const hashes: bigint[] = []
      const brightness: number[] = []
      const colourfulness: number[] = []
      for (let i = 0; i < 1500; i++) {
        const from = hashes.length ? Math.floor(r() * hashes.length) : -1
        const kind = r()
        // Copies of an earlier hash at, just inside and just past the threshold, chains of small
        // steps (a ~ b ~ c with a far from c), clusters sharing most bits, and unrelated hashes.
        if (from >= 0 && kind < 0.45) {
          const bits = [NEAR_DUP_BITS, NEAR_DUP_BITS + 1, NEAR_DUP_BITS - 1, 3, 6][Math.floor(r() * 5)]!
          hashes.push(flip(hashes[from]!, bits))
          brightness.push(brightness[from]! + (r() - 0.5) * 3 * TONE_TOLERANCE)
          colourfulness.push(colourfulness[from]! + (r() - 0.5) * 2 * TONE_TOLERANCE)
        } else {
          hashes.push((BigInt(word()) << 32n) | BigInt(word()))
          brightness.push(r() * 255)
          colourfulness.push(r() * 60)
        }
      }
      // A random walk of small steps: one long chain with hundreds of leaders (the leader index's case).
      for (let i = 0; i < 400; i++) {
        hashes.push(i ? flip(hashes.at(-1)!, 4) : (BigInt(word()) << 32n) | BigInt(word()))
        brightness.push(100)
        colourfulness.push(20)
      }
      const hex = hashes.map((h) => h.toString(16).padStart(16, '0'))
      const ids = hex.map((_, i) => 1000 + ((i * 7919) % hex.length))
      const tone = { brightness, colourfulness }
      const expected = allPairsGroups(ids, hex, tone)
      expect(expected.some((g) => g.length > 3)).toBe(true)
      const walk = new Set(ids.slice(1500))
      // More leaders in the walk's chain than splitChains tries one by one before its index.
      expect(expected.filter((g) => g.some((id) => walk.has(id))).length).toBeGreaterThan(48)
      expect(nearDuplicateGroups(ids, hex, NEAR_DUP_BITS, tone)).toEqual(expected)
      expect(nearDuplicateGroups(ids, hex)).toEqual(allPairsGroups(ids, hex, null))
    }
  })

  it('gives the all-pairs groups when most bits lean one way (pHash-like: the chunks are dealt by how bits split)', () => {
    const r = rng(21)
    // Bit p is set with probability lean[p]: a third of the bits nearly constant, some half-and-half.
    const lean = Array.from({ length: 64 }, (_, p) => (p % 3 === 0 ? (p % 2 ? 0.97 : 0.03) : 0.2 + 0.6 * r()))
    const draw = () => {
      let h = 0n
      for (let p = 0; p < 64; p++) if (r() < lean[p]!) h |= 1n << BigInt(63 - p)
      return h
    }
    const flip = (h: bigint, bits: number) => {
      for (let f = 0; f < bits; f++) h ^= 1n << BigInt(Math.floor(r() * 64))
      return h
    }
    const hashes: bigint[] = []
    const brightness: number[] = []
    for (let i = 0; i < 1200; i++) {
      const from = hashes.length ? Math.floor(r() * hashes.length) : -1
      if (from >= 0 && r() < 0.5) {
        hashes.push(flip(hashes[from]!, Math.floor(r() * (NEAR_DUP_BITS + 3))))
        brightness.push(brightness[from]! + (r() - 0.5) * 4 * TONE_TOLERANCE)
      } else {
        hashes.push(draw())
        brightness.push(r() * 255)
      }
    }
    const hex = hashes.map((h) => h.toString(16).padStart(16, '0'))
    const ids = hex.map((_, i) => i + 1)
    const tone = { brightness, colourfulness: brightness.map(() => 10) }
    const expected = allPairsGroups(ids, hex, tone)
    expect(expected.length).toBeGreaterThan(20)
    expect(expected.some((g) => g.length > 5)).toBe(true)
    expect(nearDuplicateGroups(ids, hex, NEAR_DUP_BITS, tone)).toEqual(expected)
    expect(nearDuplicateGroups(ids, hex)).toEqual(allPairsGroups(ids, hex, null))
    // Other distances too: radius 1 (7 bits), 3 (12 bits) and 0 (exact copies only).
    for (const bits of [0, 7, 12]) {
      expect(nearDuplicateGroups(ids, hex, bits)).toEqual(allPairsGroups(ids, hex, null, bits))
    }
  })
})

/**
 * The definition, pair by pair: union every pair within `maxBits` (and the tone tolerance);
 * split each chain in index order around leaders (a member joins the first leader within reach);
 * groups of more than one, ordered by chain (lowest index) then leader, as sorted ids.
 */
function allPairsGroups(
  ids: number[],
  hashes: string[],
  tone: { brightness: number[]; colourfulness: number[] } | null,
  maxBits = NEAR_DUP_BITS,
): number[][] {
  const n = hashes.length
  const parent = Array.from({ length: n }, (_, i) => i)
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)))
  const hi = hashes.map((h) => parseInt(h.slice(0, 8), 16))
  const lo = hashes.map((h) => parseInt(h.slice(8), 16))
  const close = (i: number, j: number) => popcount(hi[i]! ^ hi[j]!) + popcount(lo[i]! ^ lo[j]!) <= maxBits
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const sameTone =
        !tone ||
        (Math.abs(tone.brightness[i]! - tone.brightness[j]!) <= TONE_TOLERANCE &&
          Math.abs(tone.colourfulness[i]! - tone.colourfulness[j]!) <= TONE_TOLERANCE)
      if (!close(i, j) || !sameTone) continue
      const [a, b] = [find(i), find(j)]
      parent[Math.max(a, b)] = Math.min(a, b)
    }
  }
  const chains = new Map<number, number[]>()
  for (let i = 0; i < n; i++) chains.set(find(i), [...(chains.get(find(i)) ?? []), i])
  const out: number[][] = []
  for (const chain of chains.values()) {
    const leaders: number[][] = []
    for (const i of chain) {
      const home = leaders.find((l) => close(l[0]!, i))
      if (home) home.push(i)
      else leaders.push([i])
    }
    out.push(...leaders.filter((l) => l.length > 1).map((l) => l.map((i) => ids[i]!).sort((a, b) => a - b)))
  }
  return out
}
