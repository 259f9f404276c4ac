import { createDatasetVersion } from '../../main/engine/datasets/versions'
import type { Studio } from '../../main/engine/studio'
import { withDefaults, type TrainConfig } from '../../main/engine/training/config'
import type { TrainEvent } from '../../main/engine/training/events'
import { runTraining } from '../../main/engine/training/trainer'

/** Records a run and trains it in this process (the child-process path is tested in runner.test.ts). */
export async function trainInProcess(s: Studio, cfg: Partial<TrainConfig>, sink: TrainEvent[] = []): Promise<number> {
  const full = withDefaults(cfg)
  const v = createDatasetVersion(s.store, { seed: full.seed, fractions: full.fractions })
  const id = s.store.runs.create({
    datasetVersion: v,
    preset: full.preset,
    config: JSON.stringify(full),
    createdAt: new Date().toISOString(),
    pid: process.pid,
  })
  await runTraining(
    { projectDir: s.root, runId: id, resume: false },
    { emit: (e) => sink.push(e), cancelled: () => false },
  )
  return id
}
