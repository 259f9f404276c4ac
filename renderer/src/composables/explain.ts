import type { ExplanationDto } from '../../../preload/contract'

/**
 * Drawing a Grad-CAM map over its image, as `studio explain` does (main/engine/explain/overlay.ts):
 * the same colour map, the same alpha rule and the same placement, so what the page shows is what
 * Save PNG writes. Pure helpers; tests/renderer/explain.test.ts checks them against the engine's.
 */

/** Where the overlay comes from: a project image, or a file dropped on Try the model. */
export type ExplainSource =
  | { kind: 'image'; imageId: number; name: string; src: string }
  | { kind: 'file'; file: File; name: string; src: string }

/** The "turbo" map's anchors (dark blue → cyan → yellow → red), linearly interpolated: perceptually ordered. */
const STOPS: [number, number, number][] = [
  [48, 18, 59],
  [70, 134, 251],
  [27, 229, 181],
  [164, 252, 60],
  [251, 185, 56],
  [228, 70, 14],
  [122, 4, 3],
]

/** The heat colour of t in 0–1. */
export function heatColour(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, t)) * (STOPS.length - 1)
  const i = Math.min(STOPS.length - 2, Math.floor(x))
  const f = x - i
  const a = STOPS[i]!
  const b = STOPS[i + 1]!
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f]
}

/** The legend's CSS gradient, cold to hot. */
export const HEAT_GRADIENT = `linear-gradient(to right, ${STOPS.map((c) => `rgb(${c.join(' ')})`).join(', ')})`

/** The map (side² bytes, 0–255) as RGBA pixels: colour by heat, alpha by heat × opacity. */
export function heatPixels(map: Uint8Array, opacity: number): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(map.length * 4)
  for (let i = 0; i < map.length; i++) {
    const t = map[i]! / 255
    const [r, g, b] = heatColour(t)
    out[i * 4] = r
    out[i * 4 + 1] = g
    out[i * 4 + 2] = b
    // Cold areas stay mostly clear so the image shows through where the model did not look.
    out[i * 4 + 3] = Math.round(255 * opacity * (0.25 + 0.75 * t))
  }
  return out
}

/** The response's base64 map as bytes. */
export function decodeMap(base64: string): Uint8Array<ArrayBuffer> {
  const s = atob(base64)
  const out = new Uint8Array(s.length)
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i)
  return out
}

/**
 * Where the model's square input lies over a width × height image: 'cover' cut the centre square
 * (side = the short side), 'contain' fitted the whole image into a padded square (side = the long
 * side, so the square reaches past the short sides and is clipped there).
 */
export function mapRect(
  width: number,
  height: number,
  fit: 'cover' | 'contain',
): { x: number; y: number; side: number } {
  const side = fit === 'cover' ? Math.min(width, height) : Math.max(width, height)
  return { x: (width - side) / 2, y: (height - side) / 2, side }
}

/**
 * The canvas for an image: its shape, the longest side `maxSide` (a small image is scaled up too, so
 * the map is smoothed at the size it is seen rather than stretched by CSS in blocks).
 */
export function canvasSize(width: number, height: number, maxSide: number): { width: number; height: number } {
  const k = maxSide / Math.max(width, height, 1)
  return { width: Math.max(1, Math.round(width * k)), height: Math.max(1, Math.round(height * k)) }
}

/** The class selector's options: every class of the run with its probability; the predicted one marked. */
export function classOptions(e: Pick<ExplanationDto, 'classes' | 'probs'>): { name: string; label: string }[] {
  const best = e.probs.indexOf(Math.max(...e.probs))
  return e.classes.map((name, i) => ({
    name,
    label: `${name} (${((e.probs[i] ?? 0) * 100).toFixed(1)} %)${i === best ? ', predicted' : ''}`,
  }))
}

/** The download's file name: the image's stem, the class, what it is. */
export function pngName(imageName: string, className: string): string {
  const stem = (imageName.split(/[\\/]/).at(-1) ?? imageName).replace(/\.[^.]*$/, '') || 'image'
  const safe = (s: string) => s.replace(/[^\p{L}\p{N}._-]+/gu, '_')
  return `${safe(stem)}-${safe(className)}-where-the-model-looks.png`
}

/** The run whose view to show: the predictions lens when one is on, else the newest finished run. */
export function explainRun(lensRunId: number | null, finished: { run: number }[]): number | null {
  if (lensRunId !== null && finished.some((r) => r.run === lensRunId)) return lensRunId
  return finished.at(-1)?.run ?? null
}
