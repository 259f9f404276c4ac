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
 *
 * Group-aware: the images of one near-duplicate group (resized or re-encoded copies of a picture)
 * all land in one split, else evaluation would score copies of training images. A group is placed
 * as one unit where its class's shuffle puts its first image: in test or val while the group still
 * fits under that split's target, otherwise in train (so the held-out splits never overshoot, and a
 * class whose pictures are all one group may have no val/test images). A group that spans classes
 * follows the first class that places it. With origin splits, a group with a member in a
 * train/val/test folder follows that member. Without groups the result is exactly the plain
 * stratified split.
 */
export function planSplit(
  images: LabeledImage[],
  classNames: Map<number, string>,
  opts: SplitOptions = {},
  groups: readonly (readonly number[])[] = [],
): SplitPlan {
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
  const classOf = new Map(images.map((i) => [i.imageId, i.classId]))
  const groupOf = groupIndex(groups, classOf)
  const split = new Map<number, Split>()
  const fixedIds = new Set<number>()
  if (opts.useOriginSplits) {
    for (const img of images) {
      const s = originSplit(img.origin)
      if (s) {
        split.set(img.imageId, s)
        fixedIds.add(img.imageId)
      }
    }
    // The rest of a group follows its first member kept in a split folder.
    for (const img of [...images].sort((a, b) => a.imageId - b.imageId)) {
      const g = groupOf.get(img.imageId)
      if (!g || !fixedIds.has(img.imageId)) continue
      for (const id of g) if (!split.has(id)) split.set(id, split.get(img.imageId)!)
    }
  }
  classIds.forEach((classId) => {
    const imgs = byClass.get(classId)!
    const fixed = imgs.filter((i) => fixedIds.has(i.imageId))
    const rest = imgs.filter((i) => !fixedIds.has(i.imageId)).map((i) => i.imageId)
    if (!rest.length) return
    const n = rest.length
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
    const count = { train: 0, val: 0, test: 0 }
    for (const id of rest) {
      const s = split.get(id)
      if (s) count[s]++
    }
    // Units in shuffled order: a lone image, or a group keyed by its first image of this class.
    const order: number[] = []
    const groupAt = new Map<number, readonly number[]>()
    const seen = new Set<readonly number[]>()
    for (const id of rest.sort((a, b) => a - b)) {
      if (split.has(id)) continue
      const g = groupOf.get(id)
      if (g) {
        if (seen.has(g)) continue
        seen.add(g)
        groupAt.set(id, g)
      }
      order.push(id)
    }
    for (const first of shuffle(order, rng(mixSeed(seed, classId)))) {
      const members = groupAt.get(first)?.filter((id) => !split.has(id)) ?? [first]
      const here = members.length === 1 ? 1 : members.filter((id) => classOf.get(id) === classId).length
      const to: Split = count.test + here <= nTest ? 'test' : count.val + here <= nVal ? 'val' : 'train'
      for (const id of members) split.set(id, to)
      count[to] += here
    }
  })
  const index = new Map(classIds.map((id, i) => [id, i]))
  const items = images
    .map((i) => ({ imageId: i.imageId, classIndex: index.get(i.classId)!, split: split.get(i.imageId)! }))
    .sort((a, b) => a.imageId - b.imageId)
  return { classes: classIds.map((id) => ({ id, name: classNames.get(id)! })), items }
}

/** Each labeled image's group (labeled members only, sorted by id); images in no group are absent. */
function groupIndex(
  groups: readonly (readonly number[])[],
  classOf: ReadonlyMap<number, number>,
): Map<number, number[]> {
  const out = new Map<number, number[]>()
  for (const g of groups) {
    const members = g.filter((id) => classOf.has(id)).sort((a, b) => a - b)
    if (members.length < 2) continue
    for (const id of members) out.set(id, members)
  }
  return out
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
export function originSplit(origin: string | null): Split | null {
  const last = origin?.split('/').pop()?.toLowerCase()
  if (last === 'train' || last === 'training') return 'train'
  if (last === 'val' || last === 'valid' || last === 'validation') return 'val'
  if (last === 'test' || last === 'testing') return 'test'
  return null
}
