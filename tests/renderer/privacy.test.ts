import { describe, expect, it } from 'vitest'
import type { SettingsDto } from '../../preload/contract'
import { gpsText, offersForget } from '../../renderer/src/composables/privacy'

const settings = (stored: number): SettingsDto => ({
  stripMetadata: 'keep',
  sourcePaths: 'keep',
  storedSourcePaths: stored,
  gps: { withGps: 0, withoutGps: 0, unchecked: 0 },
})

describe('privacy helpers of the Settings and Health views', () => {
  it('says how many originals carry GPS, and what was not checked', () => {
    expect(gpsText(undefined)).toBe('')
    expect(gpsText({ withGps: 0, withoutGps: 0, unchecked: 0 })).toBe('')
    expect(gpsText({ withGps: 0, withoutGps: 5, unchecked: 0 })).toBe('No stored original carries a GPS position.')
    expect(gpsText({ withGps: 1, withoutGps: 5, unchecked: 0 })).toBe('1 stored original carries a GPS position.')
    expect(gpsText({ withGps: 3, withoutGps: 0, unchecked: 2 })).toBe(
      '3 stored originals carry a GPS position; 2 imported earlier not checked (Check the project counts them).',
    )
  })

  it('offers to forget stored paths only when switching to forget with some stored', () => {
    expect(offersForget(settings(2), 'forget')).toBe(true)
    expect(offersForget(settings(0), 'forget')).toBe(false)
    expect(offersForget(settings(2), 'keep')).toBe(false)
    expect(offersForget(null, 'forget')).toBe(false)
  })
})
