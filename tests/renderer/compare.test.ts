import { describe, expect, it } from 'vitest'
import type { EpochDto, EvaluationDto, RunDto } from '../../preload/contract'
import { best, configRows, epochAxis, runSeries, settingText, toggled } from '../../renderer/src/composables/compare'
import { defaultRun, maxCount, reliabilitySeries } from '../../renderer/src/composables/evaluation'

function run(id: number, over: Partial<RunDto> = {}): RunDto {
  return {
    run: id,
    status: 'done',
    preset: 'seed-cnn',
    datasetVersion: 1,
    backend: 'wasm',
    epochs: 2,
    createdAt: '',
    finishedAt: '',
    error: null,
    seconds: 10,
    config: {},
    valAccuracy: null,
    testAccuracy: null,
    macroF1: null,
    ...over,
  }
}
const epoch = (n: number, valAccuracy: number): EpochDto => ({
  epoch: n,
  loss: 1 / n,
  accuracy: null,
  valLoss: null,
  valAccuracy,
})

describe('comparing runs', () => {
  it('aligns every run on the longest run’s epochs, with gaps where a run stopped earlier', () => {
    const runs = [run(1), run(2)]
    const curves = { 1: [epoch(1, 0.5), epoch(2, 0.6)], 2: [epoch(1, 0.4), epoch(2, 0.7), epoch(3, 0.8)] }
    const xs = epochAxis(runs, curves)
    expect(xs).toEqual([1, 2, 3])
    const series = runSeries(runs, curves, xs, 'valAccuracy')
    expect(series.map((s) => s.values)).toEqual([
      [0.5, 0.6, null],
      [0.4, 0.7, 0.8],
    ])
    expect(series.map((s) => s.label)).toEqual(['run 1', 'run 2'])
    expect(series[0]!.color).not.toBe(series[1]!.color)
    // Before any curve has arrived the axis still has one epoch.
    expect(epochAxis(runs, {})).toEqual([1])
  })

  it('lists the settings that differ first, as a person reads them', () => {
    const rows = configRows([
      run(1, { config: { seed: 42, epochs: 3, fractions: { train: 0.7, val: 0.15, test: 0.15 }, augment: null } }),
      run(2, { config: { seed: 42, epochs: 5, fractions: { train: 0.7, val: 0.15, test: 0.15 }, augment: null } }),
    ])
    expect(rows[0]).toEqual({ key: 'epochs', label: 'Epochs', values: ['3', '5'], differs: true })
    expect(rows.slice(1).map((r) => r.differs)).toEqual([false, false, false])
    expect(rows.find((r) => r.key === 'fractions')?.values[0]).toBe('70 % train, 15 % val, 15 % test')
    expect(rows.find((r) => r.key === 'augment')?.values[0]).toBe('off')
    // A setting only one run has shows a dash for the other, and differs.
    expect(configRows([run(1, { config: { a: 1 } }), run(2)])[0]).toEqual({
      key: 'a',
      label: 'a',
      values: ['1', '—'],
      differs: true,
    })
  })

  it('says origin splits, augmentation, patience and switches in words', () => {
    const cfg = {
      useOriginSplits: true,
      fractions: { train: 0.7, val: 0.15, test: 0.15 },
      augment: { flip: true, rotate: 10, crop: 0.1, brightness: 0, contrast: 0.1 },
      patience: null,
      classWeights: false,
    }
    expect(settingText('fractions', cfg.fractions, cfg)).toBe("the import's train/val/test folders")
    expect(settingText('augment', cfg.augment)).toBe('flip, rotate ±10°, shift 10 %, contrast 10 %')
    expect(settingText('patience', null)).toBe('off')
    expect(settingText('classWeights', false)).toBe('no')
  })

  it('finds the best value, ignoring runs without one', () => {
    const runs = [run(1, { testAccuracy: 0.8 }), run(2, { testAccuracy: null }), run(3, { testAccuracy: 0.9 })]
    expect(best(runs, (r) => r.testAccuracy)).toBe(0.9)
    expect(best(runs, (r) => r.macroF1)).toBeNull()
  })

  it('toggles runs in and out of the comparison in the order they were ticked', () => {
    expect(toggled([], 3)).toEqual([3])
    expect(toggled([3], 1)).toEqual([3, 1])
    expect(toggled([3, 1], 3)).toEqual([1])
  })
})

describe('evaluation helpers', () => {
  it('draws the reliability diagram from the bins that have images, with the ideal diagonal', () => {
    const bins: EvaluationDto['bins'] = [
      { lower: 0, upper: 0.5, count: 0, confidence: 0, accuracy: 0 },
      { lower: 0.5, upper: 0.8, count: 4, confidence: 0.6, accuracy: 0.5 },
      { lower: 0.8, upper: 1, count: 6, confidence: 0.9, accuracy: 1 },
    ]
    const r = reliabilitySeries(bins)
    expect(r.x).toEqual([0, 0.6, 0.9, 1])
    expect(r.series[0]!.values).toEqual([null, 0.5, 1, null])
    expect(r.series[1]).toMatchObject({ dash: true, values: [0, 0.6, 0.9, 1] })
  })

  it('scales the confusion matrix by its largest cell, at least 1', () => {
    expect(
      maxCount([
        [3, 1],
        [0, 7],
      ]),
    ).toBe(7)
    expect(maxCount([[0]])).toBe(1)
    expect(maxCount([])).toBe(1)
  })

  it('keeps the chosen run while it is offered, else picks the newest', () => {
    const offered = [{ run: 1 }, { run: 4 }]
    expect(defaultRun(null, offered)).toBe(4)
    expect(defaultRun(1, offered)).toBe(1)
    expect(defaultRun(2, offered)).toBe(4)
    expect(defaultRun(2, [])).toBeNull()
  })
})
