import fs from 'node:fs'
import * as tf from '@tensorflow/tfjs'
import { refine, type SplitViews } from '../evaluation/calibration'
import { argmax, evaluate } from '../evaluation/metrics'
import { preprocessingOf, writePreprocessing, type GraphStage } from '../runs'
import type { DatasetItem, ProjectPaths, Split, Store } from '../store'
import type { TrainEvent } from './events'
import { loadModel } from './model-io'
import { loadClassifier, mirror, predictOn, type BatchPredictor } from './predict'
import type { Prepared } from './prepare'
import { foldTemperature, mirroredProbs, temperatureBlocker } from './refine'
import type { Source } from './sources'

/**
 * After the last epoch: the best epoch's weights back (restoreBest), plain predictions of the val
 * and evaluation splits (test, else val), the model saved as the preset saves it; then, as the
 * config asks, mirror-image predictions through the saved model, the test-time augmentation and
 * temperature decisions on val (evaluation/calibration.ts), the temperature folded into the final
 * layer (and the model saved again), predictions and the summary with both records, and
 * preprocessing.json saying what predict and the export's runtimes must do.
 */
export async function finalize(
  p: Prepared,
  store: Store,
  emit: (e: TrainEvent) => void,
  project: ProjectPaths,
): Promise<void> {
  const { cfg, model, state, paths, runId } = p
  const { runs, datasets } = store
  emit({ type: 'phase', runId, phase: 'evaluating' })
  if (cfg.restoreBest && state.bestEpoch !== null && state.bestEpoch !== state.epoch && fs.existsSync(paths.best)) {
    const best = await loadModel(paths.best)
    model.setWeights(best.getWeights())
    best.dispose()
  }
  const split: Split = datasets.items(p.datasetVersion, 'test').length ? 'test' : 'val'
  const set = split === 'test' ? await p.preset.source('test') : p.val
  runs.setProblems(runId, p.problems)
  const k = model.outputs[0]!.shape[1] as number
  // On every training thread where the run has them, with the weights as they are now.
  await p.stepper?.loadModelWeights()
  const plainEval = await predictOn(model, set, cfg.batchSize, p.stepper)
  const plainVal = split === 'val' ? plainEval : await predictOn(model, p.val, cfg.batchSize, p.stepper)

  emit({ type: 'phase', runId, phase: 'saving' })
  let graph = await p.preset.save(model, paths)
  // Configs stored before these options: the run ends as such runs always did.
  const tta = cfg.tta ?? 'off'
  const calibration = cfg.calibration ?? 'off'
  let mirrored: { val: Float32Array[]; eval: Float32Array[] } | null = null
  if (tta !== 'off') {
    mirrored = await mirrorPass(
      p,
      graph,
      project,
      (s) => datasets.items(p.datasetVersion, s),
      split,
      { val: plainVal, eval: plainEval },
      set,
    )
  }
  const views = (s: Source, plain: Float32Array[], m: Float32Array[] | null): SplitViews => ({
    plain,
    mirrored: m,
    truth: s.labels,
  })
  const r = refine(
    { tta, calibration, cannotApply: temperatureBlocker(model) },
    views(p.val, plainVal, mirrored?.val ?? null),
    views(set, plainEval, mirrored?.eval ?? null),
  )
  if (r.temperature.applied) {
    foldTemperature(model, r.temperature.value)
    graph = await p.preset.save(model, paths)
  }
  const probs = r.evalProbs
  const summary = { split, ...evaluate(probs, set.labels, k), tta: r.tta, temperature: r.temperature }
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
  writePreprocessing(
    paths,
    preprocessingOf(cfg, p.preset.scaling, graph, { tta: r.tta.used, temperature: r.temperature.value }),
  )
}

/**
 * Mirror-image probabilities of the val and evaluation splits, in their sources' order, through
 * the saved model (so they are what an export computes); an image that could not be read keeps
 * its plain probabilities.
 */
async function mirrorPass(
  p: Prepared,
  graph: GraphStage | null,
  project: ProjectPaths,
  items: (split: Split) => DatasetItem[],
  split: Split,
  plain: { val: Float32Array[]; eval: Float32Array[] },
  evalSet: Source,
): Promise<{ val: Float32Array[]; eval: Float32Array[] }> {
  const { cfg, paths } = p
  // The preset's own way where it has one (the transfer preset's extraction threads); else the
  // training threads' replicas, which hold the saved weights; else the saved model.
  const own = p.preset.mirrored?.bind(p.preset)
  if (!own && p.stepper) {
    const threads = mirroredOn(p.stepper)
    const val = await predictOn(p.model, p.val, cfg.batchSize, threads)
    return { val, eval: split === 'val' ? val : await predictOn(p.model, evalSet, cfg.batchSize, threads) }
  }
  const classifier = own ? null : await loadClassifier(paths, graph)
  try {
    const spec = { size: cfg.inputSize, fit: cfg.fit }
    const pass = async (s: Source, splitName: Split, fallback: Float32Array[]) => {
      const m = own
        ? await own(splitName, p.model)
        : await mirroredProbs(classifier!, project, items(splitName), spec, p.preset.scaling, cfg.batchSize)
      return s.imageIds.map((id, i) => m.get(id) ?? fallback[i]!)
    }
    const val = await pass(p.val, 'val', plain.val)
    return { val, eval: split === 'val' ? val : await pass(evalSet, split, plain.eval) }
  } finally {
    classifier?.dispose()
  }
}

/** The threads' predictions of each batch's left–right mirror image. */
function mirroredOn(threads: BatchPredictor): BatchPredictor {
  return {
    predict: async (xs) => {
      const m = mirror(xs as tf.Tensor4D)
      try {
        return await threads.predict(m)
      } finally {
        m.dispose()
      }
    },
  }
}
