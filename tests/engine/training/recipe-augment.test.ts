import { describe, expect, it } from 'vitest'
import {
  augmentInto,
  DEFAULT_AUGMENT,
  requestedAugmentation,
  type Augmentation,
} from '../../../main/engine/training/augment'
import { rng } from '../../../main/engine/random'

// Crop with padding and the flip option on a known image: every pixel holds its own position, so
// where each output pixel came from can be read off.
const S = 8
const known = () => {
  const img = new Uint8Array(S * S * 3)
  for (let y = 0; y < S; y++)
    for (let x = 0; x < S; x++) {
      const o = (y * S + x) * 3
      img[o] = x + 1 // 0 stays for "black fill"
      img[o + 1] = y + 1
      img[o + 2] = 200
    }
  return img
}
/** The (x, y) of the source pixel at output (x, y); null for black fill. */
const from = (img: Uint8Array, x: number, y: number) => {
  const o = (y * S + x) * 3
  return img[o] === 0 ? null : [img[o]! - 1, img[o + 1]! - 1]
}
/** A random source that hands out the given numbers in order and counts the draws. */
const scripted = (values: number[]) => {
  let i = 0
  const f = () => {
    if (i >= values.length) throw new Error('drew more numbers than expected')
    return values[i++]!
  }
  return Object.assign(f, { draws: () => i })
}
const OFF: Augmentation = { flip: false, rotate: 0, crop: 0, brightness: 0, contrast: 0, cropPad: 0 }

describe('random crop with padding', () => {
  it('pads p px and crops back: the content shifts by p − window corner, black where it came from the padding', () => {
    const src = known()
    const dst = new Uint8Array(src.length)
    // Draws: rotation, crop x, crop y, contrast, brightness (all off), then the window's corner:
    // x at floor(0 × 5) = 0 → content moves +2 right; y at floor(0.99 × 5) = 4 → content moves 2 up.
    const r = scripted([0.3, 0.3, 0.3, 0.3, 0.3, 0, 0.99])
    augmentInto(src, dst, S, { ...OFF, cropPad: 2 }, r)
    expect(r.draws()).toBe(7)
    for (let y = 0; y < S; y++)
      for (let x = 0; x < S; x++) {
        const [sx, sy] = [x - 2, y + 2]
        const expected = sx < 0 || sy >= S ? null : [sx, sy]
        expect(from(dst, x, y), `output ${x},${y}`).toEqual(expected)
      }
    // Pixel values are copied, not recomputed.
    expect(dst[(4 * S + 4) * 3 + 2]).toBe(200)
  })

  it('draws whole shifts uniformly from −p…p on each axis', () => {
    const src = known()
    const dst = new Uint8Array(src.length)
    const random = rng(7)
    const seen = new Map<number, number>()
    for (let k = 0; k < 2000; k++) {
      augmentInto(src, dst, S, { ...OFF, cropPad: 2 }, random)
      // The shift in x: where the source's column 3 (centre, never lost to a 2 px shift) landed.
      const row = 3
      let dx = NaN
      for (let x = 0; x < S; x++) if (dst[(row * S + x) * 3] === 4) dx = x - 3
      if (!Number.isNaN(dx)) seen.set(dx, (seen.get(dx) ?? 0) + 1)
    }
    expect([...seen.keys()].sort((a, b) => a - b)).toEqual([-2, -1, 0, 1, 2])
    for (const n of seen.values()) expect(n).toBeGreaterThan(300) // ≈ 400 each where the row survives
  })

  it('crop padding 0 draws nothing extra: configs from before it augment exactly as they did', () => {
    const dst = new Uint8Array(S * S * 3)
    const r = scripted([0.9, 0.5, 0.5, 0.5, 0.5, 0.5])
    augmentInto(known(), dst, S, DEFAULT_AUGMENT, r) // no cropPad key at all
    expect(r.draws()).toBe(6)
    const r2 = scripted([0.5, 0.5, 0.5, 0.5, 0.5])
    augmentInto(known(), dst, S, { ...OFF, cropPad: 0 }, r2)
    expect(r2.draws()).toBe(5) // flip off: not even its draw
    expect(dst).toEqual(known()) // and nothing changed
  })
})

describe('the flip option', () => {
  it('mirrors left–right when on and drawn, combined with the crop shift', () => {
    const src = known()
    const dst = new Uint8Array(src.length)
    // flip drawn (0.1 < 0.5), then rotation…brightness, then the corner at x 1 (shift +1), y 2 (none).
    augmentInto(src, dst, S, { ...OFF, flip: true, cropPad: 2 }, scripted([0.1, 0.3, 0.3, 0.3, 0.3, 0.3, 0.2, 0.5]))
    for (let y = 0; y < S; y++)
      for (let x = 0; x < S; x++) {
        const sx = x - 1
        expect(from(dst, x, y)).toEqual(sx < 0 ? null : [S - 1 - sx, y])
      }
  })

  it('off: no image is ever mirrored, on: about half are', () => {
    const src = known()
    const dst = new Uint8Array(src.length)
    const mirrored = (a: Augmentation) => {
      const random = rng(11)
      let n = 0
      for (let k = 0; k < 400; k++) {
        augmentInto(src, dst, S, a, random)
        // Row 3 read left to right (columns 2 and 5, inside the image after any shift): increasing
        // source x unless mirrored.
        if (dst[(3 * S + 2) * 3]! > dst[(3 * S + 5) * 3]!) n++
      }
      return n
    }
    expect(mirrored({ ...OFF, flip: false, cropPad: 1 })).toBe(0)
    expect(mirrored({ ...OFF, flip: false, rotate: 5, brightness: 0.1 })).toBe(0)
    const on = mirrored({ ...OFF, flip: true })
    expect(on).toBeGreaterThan(150)
    expect(on).toBeLessThan(250)
  })
})

describe('what a request asks for', () => {
  it('maps augment / cropPad / flip onto one augmentation; none given leaves it to the preset', () => {
    expect(requestedAugmentation({})).toBeUndefined()
    expect(requestedAugmentation({ augment: false })).toBeNull()
    expect(requestedAugmentation({ augment: true })).toEqual({ ...DEFAULT_AUGMENT, cropPad: 0 })
    expect(requestedAugmentation({ augment: true, flip: false })).toEqual({
      ...DEFAULT_AUGMENT,
      flip: false,
      cropPad: 0,
    })
    expect(requestedAugmentation({ cropPad: 4, flip: false })).toEqual({ ...OFF, cropPad: 4 })
    expect(requestedAugmentation({ augment: false, cropPad: 0, flip: true })).toEqual({ ...OFF, flip: true })
    expect(requestedAugmentation({ augment: false, cropPad: 0, flip: false })).toBeNull()
  })

  it('keeps what is not given as the preset has it: --no-flip keeps the crop padding, --crop-pad the mirror', () => {
    const preset = { ...OFF, cropPad: 2, flip: true }
    expect(requestedAugmentation({}, preset)).toBeUndefined()
    expect(requestedAugmentation({ flip: false }, preset)).toEqual({ ...OFF, cropPad: 2 })
    expect(requestedAugmentation({ cropPad: 4 }, preset)).toEqual({ ...OFF, cropPad: 4, flip: true })
    expect(requestedAugmentation({ cropPad: 0, flip: false }, preset)).toBeNull()
    // The classic set on top of the preset's crop padding; its mirror can still be refused.
    expect(requestedAugmentation({ augment: true, flip: false }, preset)).toEqual({
      ...DEFAULT_AUGMENT,
      flip: false,
      cropPad: 2,
    })
    // The Train form sends all three: exactly what it shows.
    expect(requestedAugmentation({ augment: false, cropPad: 3, flip: false }, preset)).toEqual({ ...OFF, cropPad: 3 })
  })
})
