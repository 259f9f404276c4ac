import { ValidationError } from '../errors'

/** Augmentation applied to training batches only, seeded per epoch. */
export interface Augmentation {
  /** Mirror left–right with probability 0.5. Leave off for digits, text and anything with a handedness. */
  flip: boolean
  /** Largest rotation, degrees (0 = off). */
  rotate: number
  /** Largest shift as a fraction of the side (random crop with black fill; 0 = off). */
  crop: number
  /** Largest brightness change, fraction of full scale (0 = off). */
  brightness: number
  /** Largest contrast change, fraction (0 = off). */
  contrast: number
  /**
   * Random crop with padding, pixels: pad every side with p black pixels and cut a random s×s
   * window back out, i.e. a shift by a whole number of pixels drawn uniformly from −p…p on each
   * axis (added to `crop`'s). 0 = off. Absent in configs of runs from before it existed (= 0).
   */
  cropPad?: number
}

/** What `--augment` and the form's Augment box have always meant: flip, ±10°, 10 % shift, light. */
export const DEFAULT_AUGMENT: Augmentation = { flip: true, rotate: 10, crop: 0.1, brightness: 0.1, contrast: 0.1 }

/** Nothing on: the base the recipe's crop-pad and flip options are added to. */
export const NO_AUGMENT: Augmentation = { flip: false, rotate: 0, crop: 0, brightness: 0, contrast: 0, cropPad: 0 }

/** Largest crop padding, pixels (a quarter of the smallest input side). */
export const MAX_CROP_PAD = 16

/**
 * The augmentation a request or the CLI asks for, over the preset's default `base`: `augment` adds
 * the classic set (DEFAULT_AUGMENT, mirror included), `cropPad` and `flip` set those two over it;
 * what is not given stays the preset's (so `--no-flip` alone keeps its crop padding). undefined
 * when nothing is given (the preset's default applies); null when the result changes no image.
 */
export function requestedAugmentation(
  o: { augment?: boolean; cropPad?: number; flip?: boolean },
  base: Augmentation | null = null,
): Augmentation | null | undefined {
  if (o.augment === undefined && o.cropPad === undefined && o.flip === undefined) return undefined
  const from = base ?? NO_AUGMENT
  const a: Augmentation = o.augment
    ? { ...DEFAULT_AUGMENT, cropPad: from.cropPad ?? 0 }
    : { ...from, cropPad: from.cropPad ?? 0 }
  if (o.cropPad !== undefined) a.cropPad = o.cropPad
  if (o.flip !== undefined) a.flip = o.flip
  return isOff(a) ? null : a
}

/** Whether an augmentation changes no image (a value that is not a number is not "off": the checks refuse it). */
export function isOff(a: Augmentation): boolean {
  const zero = [a.rotate, a.crop, a.brightness, a.contrast, a.cropPad ?? 0].every((v) => v === 0)
  return a.flip === false && zero
}

/** Checks an augmentation's values; the message names the field (e.g. augment.cropPad). */
export function checkAugmentation(a: Augmentation, inputSize: number): void {
  const range = (k: keyof Augmentation, v: unknown, lo: number, hi: number, unit = '') => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi)
      throw new ValidationError(`augment.${k} must be a number from ${lo} to ${hi}${unit} (got ${String(v)})`)
  }
  if (typeof a.flip !== 'boolean')
    throw new ValidationError(`augment.flip must be true or false (got ${String(a.flip)})`)
  range('rotate', a.rotate, 0, 180, ' degrees')
  range('crop', a.crop, 0, 0.5)
  range('brightness', a.brightness, 0, 1)
  range('contrast', a.contrast, 0, 1)
  const pad = a.cropPad ?? 0
  const most = Math.min(MAX_CROP_PAD, Math.floor(inputSize / 4))
  if (!Number.isInteger(pad) || pad < 0 || pad > most)
    throw new ValidationError(
      `augment.cropPad must be a whole number of pixels from 0 to ${most} at input ${inputSize} px (got ${pad})`,
    )
}

/**
 * Flip, rotate, shift (crop, crop with padding), brightness and contrast on one s×s×3 uint8
 * image, nearest-neighbour, black where the source is outside the image. The draws happen in a
 * fixed order (crop padding only when on), so a config from before it existed augments as it did.
 */
export function augmentInto(src: Uint8Array, dst: Uint8Array, s: number, a: Augmentation, random: () => number): void {
  const flip = a.flip && random() < 0.5
  const angle = ((random() * 2 - 1) * a.rotate * Math.PI) / 180
  let dx = Math.round((random() * 2 - 1) * a.crop * s)
  let dy = Math.round((random() * 2 - 1) * a.crop * s)
  const gain = 1 + (random() * 2 - 1) * a.contrast
  const bias = (random() * 2 - 1) * a.brightness * 255
  const pad = a.cropPad ?? 0
  if (pad > 0) {
    // The window's corner in the padded image is at 0…2p; the content moves by p − corner.
    dx += pad - Math.min(2 * pad, Math.floor(random() * (2 * pad + 1)))
    dy += pad - Math.min(2 * pad, Math.floor(random() * (2 * pad + 1)))
  }
  if (angle === 0 && gain === 1 && bias === 0) return shiftInto(src, dst, s, dx, dy, flip)
  const cos = Math.cos(angle)
  const sin = Math.sin(angle)
  const c = (s - 1) / 2
  for (let y = 0; y < s; y++) {
    for (let x = 0; x < s; x++) {
      // Inverse map: where in the source does this output pixel come from?
      const ox = x - c - dx
      const oy = y - c - dy
      let sx = Math.round(cos * ox + sin * oy + c)
      const sy = Math.round(-sin * ox + cos * oy + c)
      if (flip) sx = s - 1 - sx
      const o = (y * s + x) * 3
      if (sx < 0 || sy < 0 || sx >= s || sy >= s) {
        dst[o] = dst[o + 1] = dst[o + 2] = 0
        continue
      }
      const i = (sy * s + sx) * 3
      for (let ch = 0; ch < 3; ch++) {
        const v = (src[i + ch]! - 128) * gain + 128 + bias
        dst[o + ch] = v < 0 ? 0 : v > 255 ? 255 : v
      }
    }
  }
}

/**
 * The same mapping when only shifts and the flip are on (the recipe's crop-pad and flip): whole
 * rows copied, pixel values unchanged. Output (x, y) is source (x − dx, y − dy), mirrored after.
 */
function shiftInto(src: Uint8Array, dst: Uint8Array, s: number, dx: number, dy: number, flip: boolean): void {
  dst.fill(0)
  for (let y = 0; y < s; y++) {
    const sy = y - dy
    if (sy < 0 || sy >= s) continue
    for (let x = 0; x < s; x++) {
      const sx0 = x - dx
      if (sx0 < 0 || sx0 >= s) continue
      const sx = flip ? s - 1 - sx0 : sx0
      const i = (sy * s + sx) * 3
      const o = (y * s + x) * 3
      dst[o] = src[i]!
      dst[o + 1] = src[i + 1]!
      dst[o + 2] = src[i + 2]!
    }
  }
}
