import { describe, expect, it } from 'vitest'
import type { CheckDto, SettingsDto } from '../../preload/contract'
import { checkLines, gpsText, offersForget } from '../../renderer/src/composables/privacy'

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

  it('sums up a check', () => {
    const r: CheckDto = {
      database: 'ok',
      images: 10,
      checked: 10,
      originalsOk: 9,
      repairedOriginals: 0,
      repairedThumbnails: 2,
      gpsCounted: 0,
      complete: true,
      problems: [{ kind: 'original-damaged', file: '/p/media/ab/x.jpg', imageId: 3, detail: 'damaged' }],
      seconds: 0.1,
    }
    expect(checkLines(r)).toEqual([
      'Database: sound.',
      '9 of 10 originals match their SHA-256.',
      '2 thumbnails made again.',
      '1 problem could not be repaired:',
    ])
    expect(checkLines({ ...r, database: 'damaged', repairedThumbnails: 0, problems: [] })).toEqual([
      'Database: DAMAGED (see below).',
      '9 of 10 originals match their SHA-256.',
      'Every thumbnail is present.',
      'Nothing to repair.',
    ])
  })
})
