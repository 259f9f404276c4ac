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
  // Per image id (projects hold 100,000s): typed arrays, not maps.
  const ascending = isAscending(images)
  let maxId = 0
  for (const img of images) maxId = Math.max(maxId, img.imageId)
  const classIndex = new Int32Array(maxId + 1).fill(-1)
  classIds.forEach((id, k) => {
    for (const img of byClass.get(id)!) classIndex[img.imageId] = k
  })
  const { groupOf, members: groupMembers } = groupIndex(groups, classIndex)
  /** 0: not placed yet, else 1 + SPLIT_CODES index. */
  const split = new Uint8Array(maxId + 1)
  const fixed = new Uint8Array(maxId + 1)
  if (opts.useOriginSplits) {
    for (const img of images) {
      const s = originSplit(img.origin)
      if (s) {
        split[img.imageId] = SPLIT_CODES.indexOf(s) + 1
        fixed[img.imageId] = 1
      }
    }
    // The rest of a group follows its first member kept in a split folder.
    for (const img of ascending ? images : [...images].sort((a, b) => a.imageId - b.imageId)) {
      const g = groupOf[img.imageId]!
      if (!g || !fixed[img.imageId]) continue
      for (const id of groupMembers[g - 1]!) if (!split[id]) split[id] = split[img.imageId]!
    }
  }
  // The group whose unit an image keys in its class's shuffle (+ 1), and the class that last saw a group.
  const unitGroup = new Int32Array(maxId + 1)
  const seenBy = new Int32Array(groupMembers.length).fill(-1)
  classIds.forEach((classId, k) => {
    const imgs = byClass.get(classId)!
    let nFixed = 0
    const rest: number[] = []
    for (const img of imgs) {
      if (fixed[img.imageId]) nFixed++
      else rest.push(img.imageId)
    }
    if (!rest.length) return
    const n = rest.length
    const minimum = nFixed ? 1 : needed.length
    if (n < minimum) {
      const pct = needed.map((s) => Math.round(fractions[s] * 100)).join('/')
      const name = JSON.stringify(classNames.get(classId))
      throw new ValidationError(
        `class ${name} has ${plural(n, 'labeled image')}; the ${pct} split needs at least ${minimum} per class`,
      )
    }
    let nTest = fractions.test > 0 ? Math.max(nFixed ? 0 : 1, Math.round(n * fractions.test)) : 0
    let nVal = fractions.val > 0 ? Math.max(nFixed ? 0 : 1, Math.round(n * fractions.val)) : 0
    while (n - nTest - nVal < 1) nTest > nVal ? nTest-- : nVal--
    // count[0] train, [1] val, [2] test: images of this class placed so far.
    const count = [0, 0, 0]
    for (const id of rest) if (split[id]) count[split[id]! - 1]!++
    // Units in shuffled order: a lone image, or a group keyed by its first image of this class.
    const order: number[] = []
    if (!ascending) rest.sort((a, b) => a - b)
    for (const id of rest) {
      if (split[id]) continue
      const g = groupOf[id]!
      if (g) {
        if (seenBy[g - 1] === k) continue
        seenBy[g - 1] = k
        unitGroup[id] = g
      }
      order.push(id)
    }
    for (const first of shuffle(order, rng(mixSeed(seed, classId)))) {
      const g = unitGroup[first]!
      let here = 1
      let members: readonly number[] = [first]
      if (g) {
        members = groupMembers[g - 1]!.filter((id) => !split[id])
        if (members.length !== 1) {
          here = 0
          for (const id of members) if (classIndex[id] === k) here++
        }
      }
      const to = count[2]! + here <= nTest ? 3 : count[1]! + here <= nVal ? 2 : 1
      for (const id of members) split[id] = to
      count[to - 1]! += here
    }
  })
  const items = images.map((i) => ({
    imageId: i.imageId,
    classIndex: classIndex[i.imageId]!,
    split: SPLIT_CODES[split[i.imageId]! - 1]!,
  }))
  if (!ascending) items.sort((a, b) => a.imageId - b.imageId)
  return { classes: classIds.map((id) => ({ id, name: classNames.get(id)! })), items }
}

const SPLIT_CODES: readonly Split[] = ['train', 'val', 'test']

function isAscending(images: readonly LabeledImage[]): boolean {
  for (let i = 1; i < images.length; i++) if (images[i]!.imageId <= images[i - 1]!.imageId) return false
  return true
}

/**
 * Each labeled image's group: groupOf[id] is 1 + the index in `members` of its group (labeled
 * members only, sorted by id; a later group wins an image listed twice), 0 for images in no group.
 */
function groupIndex(
  groups: readonly (readonly number[])[],
  classIndex: Int32Array,
): { groupOf: Int32Array; members: number[][] } {
  const groupOf = new Int32Array(classIndex.length)
  const members: number[][] = []
  for (const g of groups) {
    const labeled = g.filter((id) => id < classIndex.length && classIndex[id]! >= 0).sort((a, b) => a - b)
    if (labeled.length < 2) continue
    members.push(labeled)
    for (const id of labeled) groupOf[id] = members.length
  }
  return { groupOf, members }
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
