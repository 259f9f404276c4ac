import type { FindingDto, FindingKind } from '../../../preload/contract'
import type { ImageSignals } from './signals'

export { FINDING_KINDS } from '../api/constants'
export type { FindingKind } from '../../../preload/contract'
/** A finding as the contract carries it. */
export type Finding = FindingDto

export interface ImageFacts {
  id: number
  width: number
  height: number
  signals: ImageSignals | null
}

/** Thresholds of the outlier checks (documented in the report's details). */
export const OUTLIER = {
  /** Shorter side below this many pixels. */
  minSide: 32,
  /** Longer side over shorter side above this. */
  maxAspect: 3,
  /** Colour spread (0–255) below which an image is grayscale. */
  grayscaleSpread: 4,
  /** Mean luminance below / above (0–255), and that far (robust z) from the project's typical image. */
  dark: 40,
  bright: 225,
  /** Robust z-score (median / MAD) beyond which brightness or sharpness is unusual for the project. */
  z: 3,
  /**
   * Sharpness (detail over contrast, at signals.ts's SIGNAL_STEP) below which an image can be blurry.
   * Hymenoptera photos measure 0.11–3 (median 1.26); 2 % fall under 0.25, as under the earlier 0.05 at
   * full thumbnail resolution; blurred by σ = 3 / 4 / 6 px of the original, 76 / 93 / 99 % do.
   */
  blurry: 0.25,
} as const

/** Outlier findings over images with their signals (images without signals are only size-checked). */
export function outlierFindings(images: readonly ImageFacts[]): Finding[] {
  const out: Finding[] = []
  const add = (kind: FindingKind, ids: number[], detail: string) => {
    if (ids.length)
      out.push({
        kind,
        severity: kind === 'outlier-blurry' || kind === 'outlier-small' ? 'warning' : 'info',
        count: ids.length,
        images: ids,
        detail,
      })
  }
  add(
    'outlier-small',
    images.filter((i) => Math.min(i.width, i.height) < OUTLIER.minSide).map((i) => i.id),
    `shorter side under ${OUTLIER.minSide} px`,
  )
  add(
    'outlier-aspect',
    images
      .filter((i) => Math.max(i.width, i.height) / Math.max(1, Math.min(i.width, i.height)) > OUTLIER.maxAspect)
      .map((i) => i.id),
    `one side more than ${OUTLIER.maxAspect}× the other`,
  )
  const measured = images.filter((i): i is ImageFacts & { signals: ImageSignals } => i.signals !== null)
  const gray = measured.filter((i) => i.signals.colourfulness < OUTLIER.grayscaleSpread)
  // Grayscale is only odd among colour: a project of grayscale images (scans, X-rays) is fine.
  if (gray.length * 2 < measured.length)
    add(
      'outlier-grayscale',
      gray.map((i) => i.id),
      'grayscale in a project of colour images',
    )
  const bright = robust(measured.map((i) => i.signals.brightness))
  add(
    'outlier-dark',
    measured
      .filter((i) => i.signals.brightness < OUTLIER.dark && bright.z(i.signals.brightness) < -OUTLIER.z)
      .map((i) => i.id),
    `mean brightness under ${OUTLIER.dark}/255 and far below the project's typical image`,
  )
  add(
    'outlier-bright',
    measured
      .filter((i) => i.signals.brightness > OUTLIER.bright && bright.z(i.signals.brightness) > OUTLIER.z)
      .map((i) => i.id),
    `mean brightness over ${OUTLIER.bright}/255 and far above the project's typical image`,
  )
  const logSharp = (i: { signals: ImageSignals }) => Math.log(i.signals.sharpness + 1e-4)
  const sharp = robust(measured.map(logSharp))
  add(
    'outlier-blurry',
    measured.filter((i) => i.signals.sharpness < OUTLIER.blurry && sharp.z(logSharp(i)) < -OUTLIER.z).map((i) => i.id),
    "much less fine detail (variance of the Laplacian) than the project's typical image",
  )
  return out
}

/** Median and MAD-based z-score; a spread of zero makes every other value infinitely far. */
function robust(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b)
  const median = sorted.length ? sorted[sorted.length >> 1]! : 0
  const dev = sorted.map((v) => Math.abs(v - median)).sort((a, b) => a - b)
  const mad = (dev.length ? dev[dev.length >> 1]! : 0) * 1.4826
  return { median, z: (v: number) => (v === median ? 0 : mad > 0 ? (v - median) / mad : (v - median) * Infinity) }
}

export interface ClassCount {
  name: string
  count: number
}

/** Fewest images a class needs for a train/val/test split to give it one of each and still learn. */
export const MIN_CLASS_IMAGES = 10
/** Largest/smallest class size ratio above which the balance is reported. */
export const IMBALANCE_RATIO = 3

/** Class balance: empty classes (left out of training), small classes, imbalance with suggested weights. */
export function balanceFindings(classes: readonly ClassCount[], imagesOf: (name: string) => number[]): Finding[] {
  const out: Finding[] = []
  const empty = classes.filter((c) => c.count === 0)
  if (empty.length) {
    out.push({
      kind: 'empty-class',
      severity: 'warning',
      count: empty.length,
      images: [],
      classes: empty.map((c) => c.name),
      detail: `${names(empty)} ${empty.length === 1 ? 'has' : 'have'} no images and will be left out of training`,
    })
  }
  const small = classes.filter((c) => c.count > 0 && c.count < MIN_CLASS_IMAGES)
  if (small.length) {
    out.push({
      kind: 'small-class',
      severity: 'warning',
      count: small.length,
      images: small.flatMap((c) => imagesOf(c.name)),
      classes: small.map((c) => c.name),
      detail: `${names(small)}: fewer than ${MIN_CLASS_IMAGES} images`,
    })
  }
  const live = classes.filter((c) => c.count > 0)
  if (live.length >= 2) {
    const max = Math.max(...live.map((c) => c.count))
    const min = Math.min(...live.map((c) => c.count))
    if (max / min > IMBALANCE_RATIO) {
      const total = live.reduce((a, c) => a + c.count, 0)
      const weights = live.map((c) => `${c.name} ${(total / (live.length * c.count)).toFixed(2)}`).join(', ')
      const minority = live.filter((c) => c.count * IMBALANCE_RATIO < max)
      out.push({
        kind: 'class-imbalance',
        severity: 'warning',
        count: minority.length,
        images: [],
        classes: minority.map((c) => c.name),
        detail:
          `largest class has ${(max / min).toFixed(1)}× the images of the smallest; ` +
          `suggested class weights: ${weights} (train with class weights)`,
      })
    }
  }
  return out
}

function names(cs: readonly ClassCount[]): string {
  const shown = cs
    .slice(0, 5)
    .map((c) => JSON.stringify(c.name))
    .join(', ')
  return cs.length > 5 ? `${shown} and ${cs.length - 5} more` : shown
}

/** Near-duplicate groups whose members sit in more than one split of a dataset version. */
export function leakingGroups(groups: readonly number[][], splitOf: ReadonlyMap<number, string>): number[][] {
  return groups.filter((g) => new Set(g.map((id) => splitOf.get(id)).filter((s) => s !== undefined)).size > 1)
}
