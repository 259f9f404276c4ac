import { listAttributes } from '../attributes/attributes'
import { evaluateByAttribute } from '../attributes/by-attribute'
import { ConflictError, NotFoundError } from '../errors'
import type { EvaluationSummary } from '../evaluation/metrics'
import { dataChecksOf } from '../quality/card'
import type { Studio } from '../studio'
import type { TrainConfig } from '../training/config'
import type { CardInput } from './model-card'

/**
 * Everything the model card says about a finished run, read from the project: the bundle writes the
 * card from it, and the export job renders it again once the self-test has results.
 */
export function cardInputOf(studio: Studio, runId: number): CardInput {
  const run = studio.store.runs.get(runId)
  if (!run) throw new NotFoundError(`run ${runId} does not exist`)
  if (run.status !== 'done' || !run.summary)
    throw new ConflictError(`run ${runId} is ${run.status}; only a finished run has a model card`)
  const version = studio.store.datasets.version(run.datasetVersion)!
  return {
    run,
    config: JSON.parse(run.config) as TrainConfig,
    version,
    splitCounts: studio.store.datasets.splitCounts(version.id),
    epochs: studio.store.runs.epochs(runId),
    summary: JSON.parse(run.summary) as EvaluationSummary & { split: string },
    problems: JSON.parse(run.problems ?? '[]') as { imageId: number; reason: string }[],
    dataChecks: dataChecksOf(studio, version.createdAt),
    subgroups: subgroupsOf(studio, runId),
  }
}

/**
 * The evaluation split by the user's own attributes (up to five), or by the built-in image size and
 * brightness when none were recorded; an attribute that cannot be evaluated is left out.
 */
function subgroupsOf(studio: Studio, runId: number): CardInput['subgroups'] {
  const own = listAttributes(studio.store)
    .filter((a) => !a.builtIn)
    .slice(0, 5)
    .map((a) => a.name)
  const names = own.length ? own : ['size', 'brightness']
  const reports = names.flatMap((n) => {
    try {
      return [evaluateByAttribute(studio.store, runId, n)]
    } catch {
      return []
    }
  })
  return { ownAttributes: own.length > 0, reports }
}
