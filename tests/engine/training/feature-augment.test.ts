import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { selectBackend } from '../../../main/engine/training/backend'
import { makeInputs } from '../../../main/engine/training/batches'
import {
  augmentedInputs,
  augmentKey,
  drawCopy,
  type FeatureAugment,
} from '../../../main/engine/training/feature-augment'
import { passesSource } from '../../../main/engine/training/sources'
import type { PixelSet } from '../../../main/engine/training/pixels'

const s = 8
/** Two 8×8 images of distinct pixel values. */
const set: PixelSet = {
  spec: { size: s, fit: 'cover' },
  imageIds: [1, 2],
  labels: Int32Array.from([0, 1]),
  inMemory: true,
  row: (i) => Uint8Array.from({ length: s * s * 3 }, (_, k) => (k * 7 + i * 50) % 256),
}
const a: FeatureAugment = { copies: 2, flip: true, minCrop: 0.7, color: 0.1 }
const hash = 'ab12cd34'.padEnd(64, '0')

beforeAll(async () => {
  await selectBackend('wasm')
})

describe('augmented copies', () => {
  it('are drawn from (seed, image hash, copy) alone', () => {
    expect(drawCopy(a, 1, hash, 1)).toEqual(drawCopy(a, 1, hash, 1))
    expect(drawCopy(a, 1, hash, 1)).not.toEqual(drawCopy(a, 1, hash, 2))
    expect(drawCopy(a, 1, hash, 1)).not.toEqual(drawCopy(a, 2, hash, 1))
    expect(drawCopy(a, 1, hash, 1)).not.toEqual(drawCopy(a, 1, 'ff'.padEnd(64, '0'), 1))
    // The cache folder changes with what changes a copy, not with the number of copies.
    expect(augmentKey(a, 1)).toBe(augmentKey({ ...a, copies: 8 }, 1))
    expect(new Set([augmentKey(a, 1), augmentKey(a, 2), augmentKey({ ...a, flip: false }, 1)]).size).toBe(3)
  })

  it('crop within the image at least minCrop of its side, mirror only with flip, change colour only within color', () => {
    for (let c = 1; c <= 200; c++) {
      const d = drawCopy(a, 3, hash, c)
      const [y1, x1, y2, x2] = d.box
      expect(y2 - y1).toBeGreaterThanOrEqual(0.7 - 1e-9)
      expect(Math.abs(x2 - x1)).toBeCloseTo(y2 - y1, 9)
      for (const v of d.box) expect(v >= 0 && v <= 1).toBe(true)
      expect(Math.abs(d.brightness)).toBeLessThanOrEqual(0.1)
      expect(Math.abs(d.contrast - 1)).toBeLessThanOrEqual(0.1)
      expect(Math.abs(d.saturation - 1)).toBeLessThanOrEqual(0.1)
      const off = drawCopy({ ...a, flip: false }, 3, hash, c).box
      expect(off[3]).toBeGreaterThan(off[1])
    }
    const mirrored = Array.from({ length: 200 }, (_, c) => drawCopy(a, 3, hash, c + 1).box).filter((b) => b[3] < b[1])
    expect(mirrored.length).toBeGreaterThan(60)
    expect(mirrored.length).toBeLessThan(140)
  })

  it('an identity draw gives the plain input; a full-frame mirror gives the mirror image; colour stays in range', () => {
    const none = { box: [0, 0, 1, 1] as [number, number, number, number], brightness: 0, contrast: 1, saturation: 1 }
    const plain = makeInputs(set, [0, 1], 'symmetric')
    const same = augmentedInputs(set, [0, 1], [none, none], 'symmetric')
    expect(same.sub(plain).abs().max().dataSync()[0]).toBeLessThan(1e-4)
    const mirror = augmentedInputs(set, [0, 1], [{ ...none, box: [0, 1, 1, 0] }, none], 'symmetric')
    const want = tf.reverse(plain.slice([0], [1]), 2)
    expect(mirror.slice([0], [1]).sub(want).abs().max().dataSync()[0]).toBeLessThan(1e-4)
    const bright = augmentedInputs(set, [0], [{ ...none, brightness: 0.5, contrast: 1.5 }], 'symmetric')
    const [lo, hi] = [bright.min().dataSync()[0]!, bright.max().dataSync()[0]!]
    expect(lo).toBeGreaterThanOrEqual(-1)
    expect(hi).toBeLessThanOrEqual(1)
    expect(bright.mean().dataSync()[0]).toBeGreaterThan(plain.slice([0], [1]).mean().dataSync()[0]!)
    tf.dispose([plain, same, mirror, want, bright])
  })
})

describe('a source over feature passes', () => {
  it('training batches draw each row from a random pass; prediction reads the plain pass', () => {
    const passes = [0, 1, 2].map((p) => Float32Array.from({ length: 4 * 2 }, () => p))
    const src = passesSource(passes, 2, { imageIds: [1, 2, 3, 4], labels: Int32Array.from([0, 1, 0, 1]) }, 2)
    const seen = new Set<number>()
    let r = 0.1
    for (let k = 0; k < 30; k++) {
      const { xs, ys } = src.batch([0, 1, 2, 3], () => (r = (r + 0.37) % 1))
      for (const v of xs.dataSync()) seen.add(v)
      tf.dispose([xs, ys])
    }
    expect([...seen].sort()).toEqual([0, 1, 2])
    const { xs, ys } = src.batch([3, 0], null)
    expect(Array.from(xs.dataSync())).toEqual([0, 0, 0, 0])
    expect(Array.from(ys.dataSync())).toEqual([0, 1, 1, 0])
    tf.dispose([xs, ys])
  })
})
