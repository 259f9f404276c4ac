import { describe, expect, it } from 'vitest'
import { afterTrainingSection, autoSection } from '../../../main/engine/evaluation/card-sections'
import type { TemperatureRecord, TtaRecord } from '../../../main/engine/evaluation/calibration'

const fig = (accuracy: number, loss: number, ece: number) => ({ accuracy, loss, ece })
const tta: TtaRecord = {
  mode: 'auto',
  used: true,
  reason: 'helps: val accuracy 90.0 % → 92.0 %',
  val: { plain: fig(0.9, 0.3, 0.05), tta: fig(0.92, 0.28, 0.04) },
  eval: { plain: fig(0.88, 0.35, 0.06), tta: fig(0.9, 0.3, 0.05) },
}
const temperature: TemperatureRecord = {
  mode: 'auto',
  value: 1.5,
  fitted: 1.5,
  applied: true,
  reason: 'lowers val log loss',
  val: { before: fig(0.92, 0.28, 0.04), after: fig(0.92, 0.25, 0.02) },
  eval: { before: fig(0.9, 0.3, 0.05), after: fig(0.9, 0.27, 0.031) },
}

describe('the model card’s after-training section', () => {
  it('tables the evaluation split plain, with the mirror and with T, and states each decision', () => {
    const md = afterTrainingSection({ split: 'test', tta, temperature })
    expect(md).toContain('measured on the test split')
    expect(md).toContain('| plain | 88.0 % | 0.350 | 0.060 |')
    expect(md).toContain('| mean with the mirror image | 90.0 % | 0.300 | 0.050 |')
    expect(md).toContain('| mirror + temperature 1.500 | 90.0 % | 0.270 | 0.031 |')
    expect(md).toContain('Test-time augmentation (auto): **used** — helps')
    expect(md).toContain('a tm/ copy predicts without the mirror')
    expect(md).toContain('**T = 1.500**, folded into the final layer')
    const off = afterTrainingSection({
      split: 'val',
      tta: { ...tta, used: false },
      temperature: { ...temperature, applied: false, value: 1 },
    })
    expect(off).toContain('**not used**')
    expect(off).toContain('**not applied**')
    expect(afterTrainingSection({ split: 'test' })).toBe('')
  })
})

describe('the model card’s Auto lines', () => {
  it('lists every choice with its reason, and nothing for a run set by hand', () => {
    const md = autoSection({
      auto: {
        budgetSeconds: 120,
        estimateSeconds: 95,
        choices: [{ what: 'preset', value: 'transfer', why: 'a backbone fits' }],
      },
    })
    expect(md).toContain('Train the best model** (budget 120 s, estimated 95 s)')
    expect(md).toContain('- preset: **transfer** — a backbone fits')
    expect(autoSection({ auto: null })).toBe('')
  })
})
