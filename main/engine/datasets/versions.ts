import type { Store } from '../store'
import { nowIso } from '../util'
import { DEFAULT_FRACTIONS, planSplit, type SplitOptions } from './split'

/**
 * Freezes the current labels into an immutable dataset version (image, class, split), so a run
 * stays reproducible while labeling goes on. Nothing is written when the split is impossible.
 */
export function createDatasetVersion(store: Store, opts: SplitOptions = {}): number {
  return store.tx(() => {
    const names = new Map(store.labels.liveClasses().map((c) => [c.id, c.name]))
    const plan = planSplit(store.datasets.labeledImages(), names, opts)
    return store.datasets.insertVersion(
      {
        createdAt: nowIso(),
        seed: opts.seed ?? 42,
        fractions: opts.fractions ?? DEFAULT_FRACTIONS,
        useOriginSplits: Boolean(opts.useOriginSplits),
        classes: plan.classes,
      },
      plan.items,
    )
  })
}
