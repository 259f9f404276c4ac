import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { createDatasetVersion } from '../../../main/engine/datasets/versions'
import { evaluate } from '../../../main/engine/evaluation/metrics'
import { confusionCell, evaluation } from '../../../main/engine/evaluation/report'
import { sliceMetrics, SMALL, type SliceRow } from '../../../main/engine/evaluation/slices'
import { Studio } from '../../../main/engine/studio'
import { tmpDir } from '../../helpers/fixtures'
import { insertSyntheticImages } from '../../helpers/synthetic'

/** The evaluation report over a run's stored predictions (no training: predictions are written here). */

let studio: Studio
let runId: number
/** image id → [predicted index, confidence, correct] */
const stored = new Map<number, [number, number, boolean]>()

beforeAll(() => {
  studio = Studio.init(path.join(tmpDir(), 'p'))
  insertSyntheticImages(studio, 120)
  const version = createDatasetVersion(studio.store, { seed: 5 })
  const k = studio.store.datasets.version(version)!.classes.length
  runId = studio.store.runs.create({
    datasetVersion: version,
    preset: 'seed-cnn',
    config: '{}',
    createdAt: 'now',
    pid: 1,
  })
  const test = studio.store.datasets.items(version, 'test')
  studio.store.runs.replacePredictions(
    runId,
    test.map((it, i) => {
      // Every third prediction is wrong; confidences all differ.
      const wrong = i % 3 === 0
      const pred = wrong ? (it.classIndex + 1) % k : it.classIndex
      const confidence = 0.4 + (i * 0.5) / test.length
      stored.set(it.imageId, [pred, confidence, !wrong])
      const probs = new Float32Array(k)
      probs[pred] = confidence
      return { imageId: it.imageId, trueIndex: it.classIndex, predIndex: pred, confidence, probs }
    }),
  )
  studio.store.runs.setSummary(runId, { ...evaluate([], [], k), split: 'test' })
})

describe('evaluation report', () => {
  it('lists mistakes most confident first and correct answers least confident first', () => {
    const r = evaluation(studio, runId, 5)
    const wrong = [...stored].filter(([, [, , ok]]) => !ok).map(([, [, c]]) => c)
    const right = [...stored].filter(([, [, , ok]]) => ok).map(([, [, c]]) => c)
    expect(r.mistakes.map((m) => m.confidence)).toEqual(wrong.sort((a, b) => b - a).slice(0, 5))
    expect(r.leastConfidentCorrect.map((m) => m.confidence)).toEqual(right.sort((a, b) => a - b).slice(0, 5))
    for (const m of r.mistakes) expect(m.true).not.toBe(m.predicted)
  })

  it('a confusion cell names its classes by name or index, and refuses one past the last', () => {
    const classes = evaluation(studio, runId).classes
    const diagonal = [...stored].filter(([, [, , ok]]) => ok).length
    const cells = classes.map((_, c) => confusionCell(studio, runId, c, c).length)
    expect(cells.reduce((a, b) => a + b, 0)).toBe(diagonal)
    expect(confusionCell(studio, runId, classes[0]!.toUpperCase(), 0)).toHaveLength(cells[0]!)
    expect(() => confusionCell(studio, runId, classes.length, 0)).toThrow(/has no class 3/)
    expect(() => confusionCell(studio, runId, 0, classes.length)).toThrow(/has no class 3/)
    expect(() => confusionCell(studio, runId, 'nope', 0)).toThrow(/has no class "nope"/)
  })
})

describe('slice and loss edges', () => {
  const row = (value: string, truth: number, right: boolean): SliceRow => ({
    value,
    truth,
    probs: right
      ? [truth === 0 ? 0.9 : 0.1, truth === 0 ? 0.1 : 0.9]
      : [truth === 0 ? 0.1 : 0.9, truth === 0 ? 0.9 : 0.1],
  })

  it(`a slice of exactly ${SMALL.support} images with a narrow interval is not small; ${SMALL.support - 1} is`, () => {
    const rows = [
      ...Array.from({ length: SMALL.support }, (_, i) => row('a', i % 2, true)),
      ...Array.from({ length: SMALL.support - 1 }, (_, i) => row('b', i % 2, true)),
    ]
    const r = sliceMetrics(rows, 2)
    const a = r.slices.find((s) => s.value === 'a')!
    expect(a.support).toBe(SMALL.support)
    expect(a.accuracyCi[1] - a.accuracyCi[0]).toBeLessThan(SMALL.ciWidth)
    expect(a.small).toBe(false)
    expect(r.slices.find((s) => s.value === 'b')!.small).toBe(true)
  })

  it('the loss of a zero probability is clamped at 1e-7', () => {
    const e = evaluate([Float32Array.from([1, 0])], [1], 2)
    expect(e.loss).toBeCloseTo(-Math.log(1e-7), 6)
  })
})
