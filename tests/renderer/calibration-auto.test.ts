import { describe, expect, it } from 'vitest'
import type { TemperatureDto, TtaDto } from '../../preload/contract'
import { calibrationDecisions, calibrationRows } from '../../renderer/src/composables/calibration'
import { AUTO_BUDGETS, autoHeadline } from '../../renderer/src/composables/train-auto'
import { settingText } from '../../renderer/src/composables/compare'

const fig = (accuracy: number, loss: number, ece: number) => ({ accuracy, loss, ece })
const tta = (used: boolean): TtaDto => ({
  mode: 'auto',
  used,
  reason: used ? 'helps: …' : 'does not help: …',
  val: { plain: fig(0.9, 0.3, 0.05), tta: fig(0.92, 0.28, 0.04) },
  eval: { plain: fig(0.88, 0.35, 0.06), tta: fig(0.9, 0.3, 0.05) },
})
const temp = (applied: boolean): TemperatureDto => ({
  mode: 'auto',
  value: applied ? 1.7 : 1,
  fitted: 1.7,
  applied,
  reason: 'lowers val log loss: …',
  val: { before: fig(0.92, 0.28, 0.04), after: fig(0.92, 0.25, 0.02) },
  eval: { before: fig(0.9, 0.3, 0.05), after: fig(0.9, 0.27, 0.03) },
})

describe('calibrationRows', () => {
  it('lists plain, mirror and temperature figures and marks the one the model uses', () => {
    const rows = calibrationRows(tta(true), temp(true))
    expect(rows.map((r) => r.label)).toEqual([
      'plain',
      'mean with the mirror image (TTA)',
      'TTA + temperature T = 1.70',
    ])
    expect(rows.map((r) => r.used)).toEqual([false, false, true])
    expect(rows[2]!.figures).toEqual(fig(0.9, 0.27, 0.03))
    expect(calibrationRows(tta(false), temp(false)).map((r) => r.used)).toEqual([true, false, false])
    expect(calibrationRows(tta(true), temp(false)).map((r) => r.used)).toEqual([false, true, false])
  })

  it('without a mirror pass starts from the temperature’s before; with nothing, no rows', () => {
    const noMirror: TtaDto = { ...tta(false), mode: 'off', val: null, eval: null }
    const rows = calibrationRows(noMirror, temp(true))
    expect(rows.map((r) => r.label)).toEqual(['plain', 'temperature T = 1.70'])
    expect(rows[0]!.figures).toEqual(fig(0.9, 0.3, 0.05))
    expect(calibrationRows(undefined, undefined)).toEqual([])
  })

  it('states each decision with its reason', () => {
    const [a, b] = calibrationDecisions(tta(false), temp(true))
    expect(a).toBe('Test-time augmentation (auto): off — does not help: ….')
    expect(b).toBe('Temperature scaling (auto): T = 1.700 in the model — lowers val log loss: ….')
  })
})

describe('autoHeadline', () => {
  it('names the preset (and backbone) and the estimate against the budget', () => {
    const plan = {
      budgetSeconds: 120,
      estimateSeconds: 95,
      choices: [
        { what: 'preset', value: 'transfer', why: '' },
        { what: 'backbone', value: 'mobilenet_v1_0.75_224', why: '' },
      ],
    }
    expect(autoHeadline(plan)).toBe(
      'Auto would train transfer learning on mobilenet_v1_0.75_224, about 1 min 35 s of 2 min 0 s.',
    )
    expect(autoHeadline({ ...plan, choices: [{ what: 'preset', value: 'seed-cnn', why: '' }] })).toContain(
      'the seed CNN from scratch',
    )
    expect(AUTO_BUDGETS.map((b) => b.seconds)).toEqual([60, 120, 300, 600, 900])
  })
})

describe('Runs/compare reads the new settings in words', () => {
  it('tta, calibration and an Auto plan', () => {
    expect(settingText('tta', 'auto')).toBe('auto (on if it helps on val)')
    expect(settingText('calibration', 'off')).toBe('off')
    expect(settingText('auto', null)).toBe('no (set by hand)')
    expect(
      settingText('auto', {
        budgetSeconds: 120,
        estimateSeconds: 60,
        choices: [
          { what: 'preset', value: 'transfer', why: '…' },
          { what: 'epochs', value: '100', why: '…' },
        ],
      }),
    ).toBe('budget 120 s: preset transfer, epochs 100')
  })
})
