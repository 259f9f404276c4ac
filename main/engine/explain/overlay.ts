import sharp from 'sharp'
import type { ClassMap } from './gradcam'

/**
 * A perceptually ordered heat colour for t in 0–1 (dark blue → cyan → yellow → red, after the
 * "turbo" map's anchors, linearly interpolated).
 */
const STOPS: [number, number, number][] = [
  [48, 18, 59],
  [70, 134, 251],
  [27, 229, 181],
  [164, 252, 60],
  [251, 185, 56],
  [228, 70, 14],
  [122, 4, 3],
]
export function heatColour(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, t)) * (STOPS.length - 1)
  const i = Math.min(STOPS.length - 2, Math.floor(x))
  const f = x - i
  const a = STOPS[i]!
  const b = STOPS[i + 1]!
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f]
}

/** The map as an RGBA image of its own size: colour by heat, alpha by heat × opacity. */
export function heatRgba(cam: Pick<ClassMap, 'map' | 'width' | 'height'>, opacity: number): Buffer {
  const out = Buffer.alloc(cam.width * cam.height * 4)
  for (let i = 0; i < cam.map.length; i++) {
    const t = cam.map[i]!
    const [r, g, b] = heatColour(t)
    // Rounded as a canvas's Uint8ClampedArray does (a Buffer would truncate): the page draws the same pixels.
    out[i * 4] = Math.round(r)
    out[i * 4 + 1] = Math.round(g)
    out[i * 4 + 2] = Math.round(b)
    // Cold areas stay mostly clear so the image shows through where the model did not look.
    out[i * 4 + 3] = Math.round(255 * opacity * (0.25 + 0.75 * t))
  }
  return out
}

/**
 * The image (EXIF-oriented) with the heat map laid over it, as PNG, at most `maxSide` pixels on
 * its longest side. The map covers the model's square input, which was the image fitted with
 * `fit`; for 'cover' (centre crop) the map is placed over the cropped centre, for 'contain' over
 * the whole image.
 */
export async function overlayPng(
  image: Buffer | string,
  cam: Pick<ClassMap, 'map' | 'width' | 'height'>,
  opts: { opacity?: number; fit?: 'cover' | 'contain'; maxSide?: number } = {},
): Promise<Buffer> {
  const { opacity = 0.6, fit = 'cover', maxSide = 512 } = opts
  const base = sharp(image).rotate().resize(maxSide, maxSide, { fit: 'inside', withoutEnlargement: false })
  const { data, info } = await base.removeAlpha().raw().toBuffer({ resolveWithObject: true })
  const side = fit === 'cover' ? Math.min(info.width, info.height) : Math.max(info.width, info.height)
  const heat = await sharp(heatRgba(cam, opacity), { raw: { width: cam.width, height: cam.height, channels: 4 } })
    .resize(side, side, { kernel: 'cubic' })
    .png()
    .toBuffer()
  // Centre the square over the image; where it is larger (contain), crop it to the image.
  const left = Math.round((info.width - side) / 2)
  const top = Math.round((info.height - side) / 2)
  const placed =
    left >= 0 && top >= 0
      ? { input: heat, left, top }
      : {
          input: await sharp(heat)
            .extract({ left: -Math.min(0, left), top: -Math.min(0, top), width: info.width, height: info.height })
            .toBuffer(),
          left: 0,
          top: 0,
        }
  return sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } })
    .composite([placed])
    .png()
    .toBuffer()
}
