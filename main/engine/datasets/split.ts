import { ValidationError } from '../errors'
import { mixSeed, rng, shuffle } from '../random'
import { plural } from '../plural'
import type { LabeledImage, Split, SplitFractions } from '../store'

export const DEFAULT_FRACTIONS: SplitFractions = { train: 0.7, val: 0.15, test: 0.15 }

export interface SplitOptions {
  /** Fractions per split; must sum to 1, train > 0. Default 70/15/15. */
  fractions?: SplitFractions
  /** Seed of the per-class shuffles. Default 42. */
  seed?: number
  /** Images whose import origin is train/val/test keep that split (e.g. a dataset's own val set). */
  useOriginSplits?: boolean
}

export interface SplitPlan {
  classes: { id: number; name: string }[]
  items: { imageId: number; classIndex: number; split: Split }[]
}

export function checkFractions(f: SplitFractions): void {
  for (const k of ['train', 'val', 'test'] as const) {
    if (!Number.isFinite(f[k]) || f[k] < 0 || f[k] > 1) {
      throw new ValidationError(`split fraction ${k} must be between 0 and 1 (got ${f[k]})`)
    }
  }
  if (f.train <= 0) throw new ValidationError('split fraction train must be above 0')
  if (Math.abs(f.train + f.val + f.test - 1) > 1e-6) {
    throw new ValidationError(`split fractions must add up to 1 (train ${f.train} + val ${f.val} + test ${f.test})`)
  }
}

/**
 * Stratified, deterministic split: each class is shuffled with a seed derived from (seed, class id)
 * and cut by the fractions, so every class is represented in every split in proportion.
 * Errors before anything is written: no labeled images, fewer than 2 classes, a class too small.
 */
export function planSplit(images: LabeledImage[], classNames: Map<number, string>, opts: SplitOptions = {}): SplitPlan {
  const fractions = opts.fractions ?? DEFAULT_FRACTIONS
  checkFractions(fractions)
  const seed = opts.seed ?? 42
  if (!images.length) throw new ValidationError('the project has no labeled images: label some before training')
  const byClass = groupByClass(images)
  const classIds = [...byClass.keys()].sort((a, b) => a - b)
  if (classIds.length < 2) {
    const found = classIds.map((c) => JSON.stringify(classNames.get(c))).join(', ')
    const n = classIds.length
    throw new ValidationError(`training needs at least 2 classes with labeled images; found ${n}: ${found}`)
  }
  const needed = (['train', 'val', 'test'] as const).filter((s) => fractions[s] > 0)
  const items: SplitPlan['items'] = []
  classIds.forEach((classId, classIndex) => {
    const imgs = byClass.get(classId)!
    const fixed = opts.useOriginSplits ? imgs.filter((i) => originSplit(i.origin)) : []
    const fixedIds = new Set(fixed.map((i) => i.imageId))
    const free = shuffle(
      imgs
        .filter((i) => !fixedIds.has(i.imageId))
        .map((i) => i.imageId)
        .sort((a, b) => a - b),
      rng(mixSeed(seed, classId)),
    )
    for (const i of fixed) items.push({ imageId: i.imageId, classIndex, split: originSplit(i.origin)! })
    if (!free.length) return
    const n = free.length
    const minimum = fixed.length ? 1 : needed.length
    if (n < minimum) {
      const pct = needed.map((s) => Math.round(fractions[s] * 100)).join('/')
      const name = JSON.stringify(classNames.get(classId))
      throw new ValidationError(
        `class ${name} has ${plural(n, 'labeled image')}; the ${pct} split needs at least ${minimum} per class`,
      )
    }
    let nTest = fractions.test > 0 ? Math.max(fixed.length ? 0 : 1, Math.round(n * fractions.test)) : 0
    let nVal = fractions.val > 0 ? Math.max(fixed.length ? 0 : 1, Math.round(n * fractions.val)) : 0
    while (n - nTest - nVal < 1) nTest > nVal ? nTest-- : nVal--
    free.forEach((imageId, k) => {
      items.push({ imageId, classIndex, split: k < nTest ? 'test' : k < nTest + nVal ? 'val' : 'train' })
    })
  })
  items.sort((a, b) => a.imageId - b.imageId)
  return { classes: classIds.map((id) => ({ id, name: classNames.get(id)! })), items }
}

/** Images per class id, in input order: one pass, each image appended once (projects hold 100,000s). */
function groupByClass(images: LabeledImage[]): Map<number, LabeledImage[]> {
  const byClass = new Map<number, LabeledImage[]>()
  for (const img of images) {
    const list = byClass.get(img.classId)
    if (list) list.push(img)
    else byClass.set(img.classId, [img])
  }
  return byClass
}

/** 'train', 'val'/'valid'/'validation', 'test' as the last folder of an origin tag. */
function originSplit(origin: string | null): Split | null {
  const last = origin?.split('/').pop()?.toLowerCase()
  if (last === 'train' || last === 'training') return 'train'
  if (last === 'val' || last === 'valid' || last === 'validation') return 'val'
  if (last === 'test' || last === 'testing') return 'test'
  return null
}
