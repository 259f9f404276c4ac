import { describe, expect, it } from 'vitest'
import { REQUESTS } from '../../main/engine/api/requests'
import {
  DATA_FORMATS,
  dataExportRequest,
  defaultDataExportForm,
  destinationNote,
  folderToShow,
  versionLabel,
} from '../../renderer/src/composables/dataset-export'

describe('the dataset export form', () => {
  it('sends splits only with a version and predictions only for Label Studio', () => {
    const f = { ...defaultDataExportForm(), dir: ' /tmp/out ', splits: 'column' as const, runId: 4 }
    expect(dataExportRequest(f)).toEqual({ dir: '/tmp/out', format: 'folders', originals: false, zip: false })
    expect(dataExportRequest({ ...f, versionId: 2, format: 'labelstudio' })).toEqual({
      dir: '/tmp/out',
      format: 'labelstudio',
      versionId: 2,
      splits: 'column',
      runId: 4,
      originals: false,
      zip: false,
    })
  })

  it('builds requests the engine’s schema accepts, for every format', () => {
    for (const { value } of DATA_FORMATS) {
      for (const versionId of [null, 3]) {
        const req = dataExportRequest({ ...defaultDataExportForm(), format: value, versionId, runId: 1, dir: '/x' })
        expect(REQUESTS.exportData.safeParse(req).success).toBe(true)
      }
    }
  })

  it('says where the export goes', () => {
    const f = defaultDataExportForm()
    expect(destinationNote(f)).toMatch(/new or empty folder/)
    expect(destinationNote({ ...f, dir: '/d/out/' })).toBe('Writes into /d/out.')
    expect(destinationNote({ ...f, dir: '/d/out', zip: true })).toBe(
      'Writes /d/out.zip (the folder itself is not made).',
    )
    expect(folderToShow({ dir: null, zip: '/d/out.zip' })).toBe('/d')
    expect(folderToShow({ dir: '/d/out', zip: null })).toBe('/d/out')
    expect(folderToShow({ dir: null, zip: 'C:\\data\\out.zip' })).toBe('C:\\data')
  })

  it('labels a version with its split sizes and day', () => {
    expect(versionLabel({ id: 3, createdAt: '2026-01-02T10:00:00Z', train: 70, val: 15, test: 15 })).toBe(
      'Version 3 — train 70, val 15, test 15 (2026-01-02)',
    )
  })
})
