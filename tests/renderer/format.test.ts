import { describe, expect, it } from 'vitest'
import {
  cssVariable,
  resolveColor,
  seriesColor,
  SERIES_COUNT,
  TRAIN_COLOR,
  VAL_COLOR,
} from '../../renderer/src/composables/colors'
import { duration, fixed3, pct, pct0 } from '../../renderer/src/composables/format'

describe('number formats', () => {
  it('shows fractions as percentages, and a dash where there is no value', () => {
    expect(pct(0.875)).toBe('87.5 %')
    expect(pct(1)).toBe('100.0 %')
    expect(pct(0)).toBe('0.0 %')
    expect(pct(null)).toBe('—')
    expect(pct(undefined)).toBe('—')
    expect(pct(Number.NaN)).toBe('—')
    expect(pct0(0.876)).toBe('88 %')
    expect(fixed3(0.12345)).toBe('0.123')
    expect(fixed3(null)).toBe('—')
  })

  it('reads durations as a person would, never "60 s"', () => {
    expect(duration(0.4)).toBe('0 s')
    expect(duration(42)).toBe('42 s')
    expect(duration(59.6)).toBe('1 min 0 s')
    expect(duration(119.6)).toBe('2 min 0 s')
    expect(duration(185)).toBe('3 min 5 s')
    expect(duration(3599.7)).toBe('1 h 0 min')
    expect(duration(2 * 3600 + 10 * 60 + 29)).toBe('2 h 10 min')
    expect(duration(2 * 3600 + 59 * 60 + 50)).toBe('3 h 0 min')
  })
})

describe('chart colours', () => {
  it('names one CSS variable per series and repeats the palette', () => {
    expect(seriesColor(0)).toBe('var(--series-1)')
    expect(seriesColor(SERIES_COUNT - 1)).toBe(`var(--series-${SERIES_COUNT})`)
    expect(seriesColor(SERIES_COUNT)).toBe('var(--series-1)')
    expect(TRAIN_COLOR).not.toBe(VAL_COLOR)
  })

  it('resolves var(--x) through the computed style for the canvas, and passes literals through', () => {
    const style = { getPropertyValue: (name: string) => ({ '--series-1': ' #3b6ee8' })[name] ?? '' }
    expect(cssVariable('var(--series-1)')).toBe('--series-1')
    expect(cssVariable('#3b6ee8')).toBeNull()
    expect(resolveColor('var(--series-1)', style)).toBe('#3b6ee8')
    expect(resolveColor('var( --series-1 )', style)).toBe('#3b6ee8')
    expect(resolveColor('rgb(1, 2, 3)', style)).toBe('rgb(1, 2, 3)')
    // An undefined variable still draws, in a neutral colour.
    expect(resolveColor('var(--nope)', style)).toBe('gray')
  })
})
