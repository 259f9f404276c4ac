import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { studio, studioJson } from '../../helpers/cli'
import { HYMENOPTERA, tmpDir } from '../../helpers/fixtures'

const present = fs.existsSync(HYMENOPTERA)
if (!present) console.warn(`SKIPPED hymenoptera import: ${HYMENOPTERA} is absent (shared data is not on this machine)`)

describe.skipIf(!present)('studio import of the real hymenoptera photos', () => {
  const proj = path.join(tmpDir(), 'hym')

  it('sees 398 images in 2 classes, takes the GIF, and a second run adds 0', () => {
    expect(studio(['init', proj]).code).toBe(0)
    const first = studioJson<Record<string, unknown>>(['import', HYMENOPTERA, '--project', proj])
    expect(first).toMatchObject({
      seen: 398,
      imported: 398,
      errors: 0,
      duplicates: 0,
      ignored: 2,
      classes: { ants: 194, bees: 204 },
    })
    const gif = studioJson<{ images: { format: string; class: string; origin: string }[] }>([
      'images',
      '--search',
      'imageNotFound',
      '--project',
      proj,
    ])
    expect(gif.images).toEqual([expect.objectContaining({ format: 'gif', class: 'ants', origin: 'train' })])
    const second = studioJson<Record<string, unknown>>(['import', HYMENOPTERA, '--project', proj])
    expect(second).toMatchObject({ seen: 398, imported: 0, duplicates: 398, errors: 0 })
    expect(studioJson(['stats', '--project', proj])).toEqual({
      images: 398,
      classes: { ants: 194, bees: 204 },
      unlabeled: 0,
      errors: 0,
      duplicates: 398,
    })
  })
})
