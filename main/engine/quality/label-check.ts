import { StudioError } from '../errors'
import type { DatasetItem, ProjectPaths } from '../store'
import { selectBackend } from '../training/backend'
import type { PixelProblem } from '../training/pixels'
import path from 'node:path'
import { backboneFolders, listBackboneEntries, locateBackbone } from '../training/backbones'
import { loadBackbone } from '../training/transfer'
import { argmax, findLabelIssues, type RankBy } from './confident-learning'
import { checkFeatures } from './features'
import { crossValidatedProbs } from './softmax'

/** A labeled image the check looks at; classIndex is its position in `classes`. */
export interface CheckItem {
  imageId: number
  hash: string
  ext: string
  classIndex: number
}

export interface LabelCheckOptions {
  /** Backbone folder name; default: the first of DEFAULT_CHECK_BACKBONES found, else any. */
  backbone?: string | null
  modelsDir?: string | null
  folds?: number
  seed?: number
  rankBy?: RankBy
  onProblem?: (p: PixelProblem) => void
  /** Progress by phase: 'backbone features' counts images, 'cross-validation' counts fitted heads. */
  onProgress?: (done: number, total: number, phase: CheckPhase) => void
  /** Stops between feature chunks and between folds (the promise rejects with the signal's reason). */
  signal?: AbortSignal
}

export type CheckPhase = 'backbone features' | 'cross-validation'

export interface CheckedImage {
  imageId: number
  classIndex: number
  /** Out-of-sample class probabilities (the model never saw this image), of the second pass. */
  probs: Float32Array
  /** The first pass's probabilities (every label trusted): what plain "model disagrees" would use. */
  firstPass: Float32Array
  /** Most probable class. */
  predicted: number
  /** A label issue by confident learning: its suggested class and score (0–1, higher = more likely wrong). */
  issue: { suggested: number; score: number } | null
}

export interface LabelCheckResult {
  /** What produced the probabilities, e.g. `features:mobilenet_v1_0.25_224, 5-fold softmax`. */
  source: string
  backbone: string
  checked: CheckedImage[]
  /** Images whose pixels could not be read (left out). */
  problems: PixelProblem[]
}

/** Backbones the check prefers, best first (features that separate more classes find more issues). */
export const DEFAULT_CHECK_BACKBONES = ['mobilenet_v1_0.75_224', 'mobilenet_v1_0.25_224']

/** No backbone to compute features with: the check cannot run (near-duplicates still work by hash). */
export class NoBackboneError extends StudioError {}

/** Where the TF.js MobileNet the check prefers was published (any TF.js layers or graph model folder works). */
export const BACKBONE_URL = 'https://storage.googleapis.com/tfjs-models/tfjs/mobilenet_v1_0.25_224/model.json'

/**
 * The one message a project without a backbone gets, in the CLI, the browser mode and the app
 * alike: what is missing, where Studio looked, and how to get one (Studio itself never downloads).
 */
export function noBackboneMessage(dir: string): string {
  return (
    "label checks need a pretrained backbone for image features; Studio's own (resources/models) are missing, " +
    `and the models folder ${dir} has none ` +
    '(set it with --models-dir or STUDIO_MODELS_DIR). To get one, on a machine with internet access download ' +
    `a TF.js MobileNet, e.g. ${BACKBONE_URL} with the weight files it lists (group1-shard1of1 …), into ` +
    `${dir}/mobilenet_v1_0.25_224/, then copy that folder here. Near-duplicate checks work without one (by ` +
    'perceptual hash).'
  )
}

/**
 * The backbone a check uses: the one asked for, else the models folder's (the best known one, else
 * any), else Studio's own best; `dir` is the folder that holds it.
 */
export function chooseCheckBackbone(
  setting: string | null | undefined,
  asked?: string | null,
): { dir: string; name: string; bundled: boolean } {
  const folders = backboneFolders(setting)
  const usable = listBackboneEntries(folders).filter((e) => !e.problem)
  // A backbone the user put in the models folder is the one they mean; else Studio's own.
  const pick = (names: string[]) => DEFAULT_CHECK_BACKBONES.find((b) => names.includes(b)) ?? names[0]
  const name =
    asked ?? pick(usable.filter((e) => e.origin !== 'bundled').map((e) => e.name)) ?? pick(usable.map((e) => e.name))
  if (!name) throw new NoBackboneError(noBackboneMessage(folders.user))
  const entry = locateBackbone(folders, name)
  return { dir: path.dirname(entry.folder), name, bundled: entry.origin === 'bundled' }
}

/**
 * Label check: backbone features of every labeled image (cached per image, shared with transfer
 * training), out-of-sample probabilities by stratified k-fold cross-validation of a softmax head,
 * then confident learning. Runs in the caller's process; features dominate the time.
 */
export async function labelCheck(
  paths: ProjectPaths,
  items: readonly CheckItem[],
  k: number,
  opts: LabelCheckOptions = {},
): Promise<LabelCheckResult> {
  const { folds = 5, seed = 42, rankBy = 'self-confidence' } = opts
  if (k < 2) throw new StudioError('a label check needs at least two classes with labeled images')
  const { dir, name, bundled } = chooseCheckBackbone(opts.modelsDir, opts.backbone)
  await selectBackend()
  const backbone = await loadBackbone(dir, name, { complete: bundled })
  const problems: PixelProblem[] = []
  try {
    const asDataset: DatasetItem[] = items.map((i) => ({ ...i, split: 'train' }))
    const spec = { size: backbone.inputSize, fit: 'cover' as const }
    const f = await checkFeatures(paths, backbone, asDataset, spec, {
      onProblem: (p) => {
        problems.push(p)
        opts.onProblem?.(p)
      },
      onProgress: (done, total) => opts.onProgress?.(done, total, 'backbone features'),
      signal: opts.signal,
    })
    const { probs, firstPass, issues } = findIssuesInFeatures(f.features, backbone.featureDim, f.labels, k, {
      folds,
      seed,
      rankBy,
      signal: opts.signal,
      onProgress: (done, total) => opts.onProgress?.(done, total, 'cross-validation'),
    })
    const byIndex = new Map(issues.map((i) => [i.index, i]))
    const checked = f.imageIds.map((imageId, x) => {
      const issue = byIndex.get(x)
      return {
        imageId,
        classIndex: f.labels[x]!,
        probs: probs[x]!,
        firstPass: firstPass[x]!,
        predicted: argmax(probs[x]!),
        issue: issue ? { suggested: issue.suggested, score: issue.score } : null,
      }
    })
    return { source: `features:${name}, ${folds}-fold softmax, confident learning`, backbone: name, checked, problems }
  } finally {
    backbone.dispose()
  }
}

/**
 * L2 penalty of the check's head for `rows` training images: a prior worth CHECK_PRIOR images, so
 * the penalty per image shrinks as the set grows, and at most CHECK_L2. Strong regularisation keeps
 * a small head from learning the wrong labels it is meant to find (hymenoptera, ≈ 320 training
 * images a fold: 1 gave F1 0.89 at 20 % noise, 0.3 gave 0.85); with thousands of images the wrong
 * ones pull less and a weaker penalty separates the classes better (Fashion-MNIST, 8,000 a fold:
 * 0.04 gave F1 0.85 at 20 % and 0.73 at 10 %, against 0.81 and 0.69 with 1). bench/RESULTS.md.
 */
export function checkL2(rows: number): number {
  return Math.min(CHECK_L2, CHECK_PRIOR / Math.max(1, rows))
}

/** The largest penalty (small sets). */
export const CHECK_L2 = 1
/** Images' worth of prior: the penalty is CHECK_PRIOR / training images. */
export const CHECK_PRIOR = 320

/**
 * Confident learning in two passes: the first trusts every label; the second refits each fold's
 * head without the images the first pass doubts (they are still predicted, out of sample), so
 * wrong labels stop pulling the head toward themselves. On hymenoptera at 20 % noise this took F1
 * from about 0.7 to 0.89 (bench/RESULTS.md).
 */
export function findIssuesInFeatures(
  x: Float32Array,
  d: number,
  labels: Int32Array,
  k: number,
  opts: {
    folds?: number
    seed?: number
    rankBy?: RankBy
    signal?: AbortSignal
    onProgress?: (done: number, total: number) => void
  } = {},
) {
  const { folds = 5, seed = 42, rankBy = 'self-confidence' } = opts
  // The TF.js engine: a label check has already selected the backend (softmax-tf.ts).
  const head = { l2: checkL2(Math.round((labels.length * (folds - 1)) / folds)), engine: 'tf' as const }
  const total = 2 * Math.min(folds, labels.length)
  let fitted = 0
  const hooks = { signal: opts.signal, onFold: () => opts.onProgress?.(++fitted, total) }
  opts.onProgress?.(0, total)
  const firstPass = crossValidatedProbs(x, d, labels, k, folds, seed, head, new Set(), hooks)
  const doubted = new Set(findLabelIssues(firstPass, labels, k, rankBy).map((i) => i.index))
  const probs = crossValidatedProbs(x, d, labels, k, folds, seed, head, doubted, hooks)
  return { probs, firstPass, issues: findLabelIssues(probs, labels, k, rankBy) }
}
