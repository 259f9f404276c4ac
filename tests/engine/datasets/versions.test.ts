import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { createDatasetVersion } from '../../../main/engine/datasets/versions'
import { Studio } from '../../../main/engine/studio'
import { tmpDir } from '../../helpers/fixtures'
import { insertSyntheticImages } from '../../helpers/synthetic'

describe('dataset versions', () => {
  it('a dataset version is a frozen snapshot: later labeling does not change it', () => {
    const studio = Studio.init(path.join(tmpDir(), 'p'))
    insertSyntheticImages(studio, 300)
    const v = createDatasetVersion(studio.store, { seed: 7 })
    const before = studio.store.datasets.items(v)
    studio.labels.setLabels(
      before.slice(0, 20).map((i) => i.imageId),
      'wasp',
    )
    expect(studio.store.datasets.items(v)).toEqual(before)
    expect(studio.store.datasets.version(v)!.classes.map((c) => c.name)).toEqual(['ant', 'bee', 'wasp'])
    studio.close()
  })
})
