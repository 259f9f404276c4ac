import fs from 'node:fs'
import { argmax, evaluate } from '../evaluation/metrics'
import { preprocessingOf, writePreprocessing } from '../runs'
import type { Store } from '../store'
import type { TrainEvent } from './events'
import { loadModel } from './model-io'
import { predictSet } from './predict'
import type { Prepared } from './prepare'

/**
 * After the last epoch: the best epoch's weights back (restoreBest), predictions and the summary
 * on the test split (the val split when there is no test split), then the model as the preset
 * saves it and preprocessing.json.
 */
export async function finalize(p: Prepared, store: Store, emit: (e: TrainEvent) => void): Promise<void> {
  const { cfg, model, state, paths, runId } = p
  const { runs, datasets } = store
  emit({ type: 'phase', runId, phase: 'evaluating' })
  if (cfg.restoreBest && state.bestEpoch !== null && state.bestEpoch !== state.epoch && fs.existsSync(paths.best)) {
    const best = await loadModel(paths.best)
    model.setWeights(best.getWeights())
    best.dispose()
  }
  const split = datasets.items(p.datasetVersion, 'test').length ? 'test' : 'val'
  const set = split === 'test' ? await p.preset.source('test') : p.val
  runs.setProblems(runId, p.problems)
  const probs = predictSet(model, set, cfg.batchSize)
  const summary = { split, ...evaluate(probs, set.labels, model.outputs[0]!.shape[1] as number) }
  store.tx(() => {
    runs.replacePredictions(
      runId,
      probs.map((q, i) => {
        const pred = argmax(q)
        return { imageId: set.imageIds[i]!, trueIndex: set.labels[i]!, predIndex: pred, confidence: q[pred]!, probs: q }
      }),
    )
    runs.setSummary(runId, summary)
  })
  emit({ type: 'phase', runId, phase: 'saving' })
  const graph = await p.preset.save(model, paths)
  writePreprocessing(paths, preprocessingOf(cfg, p.preset.scaling, graph))
}
