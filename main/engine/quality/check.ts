import { createHash } from 'node:crypto'
import { errorMessage, ValidationError } from '../errors'
import type { Studio } from '../studio'
import type { PixelProblem } from '../training/pixels'
import { modelsDir } from '../training/transfer'
import { nowIso } from '../util'
import { chooseCheckBackbone, labelCheck, type CheckItem, type CheckPhase } from './label-check'

/** What a label check will look at, decided before any work so that a check that cannot run fails at once. */
export interface CheckPlan {
  backbone: string
  modelsDir: string
  /** Probability index → class. */
  classes: { id: number; name: string }[]
  items: CheckItem[]
  /** sha256 of the sorted (image, class) pairs: the check is fresh while the labels still hash to it. */
  fingerprint: string
}

export interface CheckRunOptions {
  /** Backbone folder name; default: the best known one in the models folder (label-check.ts). */
  backbone?: string | null
  /** Models folder setting; null: STUDIO_MODELS_DIR or ~/.studio/models. */
  modelsDir?: string | null
  signal?: AbortSignal
  onProgress?: (done: number, total: number, phase: CheckPhase) => void
  /** The check's id once its row exists (whoever runs it in a thread marks it cancelled if the thread is stopped). */
  onCheck?: (id: number) => void
  folds?: number
}

export interface CheckOutcome {
  checkId: number
  backbone: string
  /** Images checked (labeled images whose pixels could be read). */
  checked: number
  /** Images flagged as probably mislabeled. */
  flagged: number
  problems: PixelProblem[]
}

/** sha256 over `image:class` lines in image order. */
export function labelFingerprint(pairs: Iterable<readonly [number, number]>): string {
  const sorted = [...pairs].sort((a, b) => a[0] - b[0])
  const h = createHash('sha256')
  for (const [image, cls] of sorted) h.update(`${image}:${cls}\n`)
  return h.digest('hex')
}

/**
 * Throws NoBackboneError (no backbone), NotFoundError (the named one is missing) or a ValidationError
 * (fewer than two classes with labeled images).
 */
export function planLabelCheck(studio: Studio, backbone: string | null, modelsSetting: string | null): CheckPlan {
  const dir = modelsDir(modelsSetting)
  const { name } = chooseCheckBackbone(dir, backbone)
  const labeled = studio.store.quality.labeled()
  const names = new Map(studio.labels.classes().map((c) => [c.id, c.name]))
  const classIds = [...new Set(labeled.map((l) => l.classId))].sort((a, b) => a - b)
  if (classIds.length < 2) {
    // A refusal the user can act on (label more), so a 4xx at the transports, not a 500.
    throw new ValidationError(
      `a label check needs labeled images in at least two classes (this project has ${classIds.length})`,
    )
  }
  const index = new Map(classIds.map((id, i) => [id, i]))
  return {
    backbone: name,
    modelsDir: dir,
    classes: classIds.map((id) => ({ id, name: names.get(id) ?? String(id) })),
    items: labeled.map((l) => ({ imageId: l.imageId, hash: l.hash, ext: l.ext, classIndex: index.get(l.classId)! })),
    fingerprint: labelFingerprint(labeled.map((l) => [l.imageId, l.classId] as const)),
  }
}

/**
 * Runs a label check over every labeled image and stores it: a label_checks row (running, then
 * done / failed / cancelled) and one item per checked image with its out-of-sample probabilities
 * and, for suspects, the suggested class and score. Runs in the caller's thread.
 */
export async function runLabelCheck(studio: Studio, opts: CheckRunOptions = {}): Promise<CheckOutcome> {
  const plan = planLabelCheck(studio, opts.backbone ?? null, opts.modelsDir ?? null)
  const q = studio.store.quality
  const checkId = q.createCheck({
    createdAt: nowIso(),
    backbone: plan.backbone,
    source: `features:${plan.backbone}`,
    fingerprint: plan.fingerprint,
    classes: plan.classes,
  })
  opts.onCheck?.(checkId)
  try {
    const result = await labelCheck(studio.project.paths, plan.items, plan.classes.length, {
      backbone: plan.backbone,
      modelsDir: plan.modelsDir,
      folds: opts.folds,
      signal: opts.signal,
      onProgress: opts.onProgress,
    })
    opts.signal?.throwIfAborted()
    const items = result.checked.map((c) => ({
      imageId: c.imageId,
      classIndex: c.classIndex,
      predictedIndex: c.predicted,
      suggestedIndex: c.issue?.suggested ?? null,
      score: c.issue?.score ?? null,
      probs: c.probs,
    }))
    studio.store.tx(() => {
      q.insertCheckItems(checkId, items)
      q.finishCheck(checkId, 'done', nowIso(), { checked: items.length, source: result.source })
    })
    const flagged = items.filter((i) => i.suggestedIndex !== null).length
    return { checkId, backbone: plan.backbone, checked: items.length, flagged, problems: result.problems }
  } catch (err) {
    q.finishCheck(checkId, opts.signal?.aborted ? 'cancelled' : 'failed', nowIso(), { error: errorMessage(err) })
    throw err
  }
}
