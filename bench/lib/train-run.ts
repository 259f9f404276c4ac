import { createDatasetVersion } from '../../main/engine/datasets/versions'
import type { Studio } from '../../main/engine/studio'
import { withDefaults, type TrainConfig } from '../../main/engine/training/config'
import { runTraining } from '../../main/engine/training/trainer'

/**
 * Records a run and trains it in this process, as the runner's child would (its dataset version
 * honours `useOriginSplits`; backbones come from `modelsDir`). Fails loudly when the run does.
 */
export async function trainRun(studio: Studio, cfg: Partial<TrainConfig>, modelsDir: string): Promise<number> {
  const full = withDefaults(cfg)
  const version = createDatasetVersion(studio.store, {
    seed: full.seed,
    fractions: full.fractions,
    useOriginSplits: full.useOriginSplits,
  })
  const id = studio.store.runs.create({
    datasetVersion: version,
    preset: full.preset,
    config: JSON.stringify(full),
    createdAt: new Date().toISOString(),
    pid: process.pid,
  })
  const status = await runTraining(
    { projectDir: studio.root, runId: id, resume: false, modelsDir },
    { emit: () => {}, cancelled: () => false },
  )
  if (status !== 'done') throw new Error(`run ${id} ended ${status}: ${studio.store.runs.get(id)?.error ?? ''}`)
  return id
}
