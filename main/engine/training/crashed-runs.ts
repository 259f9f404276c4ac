import { lockHolder } from '../lock'
import type { Store } from '../store'
import { nowIso } from '../util'

/**
 * The training lock in a project folder (one run at a time). Apart from runner.ts so that listing
 * runs (`studio runs`) marks crashed ones without loading the training code and TF.js.
 */
export const TRAIN_LOCK = 'train.lock'

/** Runs marked running while no process holds the training lock died with their process. */
export function reapCrashedRuns(store: Store, root: string): void {
  const holder = lockHolder(root, TRAIN_LOCK)
  if (holder !== null && holder !== process.pid) return
  for (const r of store.runs.running()) {
    if (r.pid !== process.pid)
      store.runs.finish(
        r.id,
        'failed',
        nowIso(),
        'the training process ended unexpectedly (crash or kill); resume it to continue',
      )
  }
}
