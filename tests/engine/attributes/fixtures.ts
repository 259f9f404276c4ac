import fs from 'node:fs'
import path from 'node:path'
import { Studio } from '../../../main/engine/studio'
import { makeImages } from '../../helpers/fixtures'

/**
 * Eight images imported from a CSV with an origin and two attribute columns, and a finished run
 * whose stored predictions are written by hand (no training), so every slice metric is known:
 *
 * | image | label | site  | camera | predicted |
 * |-------|-------|-------|--------|-----------|
 * | 0–3   | c d c d | north | A A B B | all right |
 * | 4–6   | c d c | south | B      | 4 right, 5 and 6 wrong |
 * | 7     | d     | (empty → none) | A | right |
 *
 * Overall accuracy 6/8; south 1/3, north 4/4, (none) 1/1.
 */
export const CSV = [
  'path,label,origin,Site,camera',
  'pics/img-000.jpg,cat,a,north,A',
  'pics/img-001.jpg,dog,a,north,A',
  'pics/img-002.jpg,cat,a,north,B',
  'pics/img-003.jpg,dog,a,north,B',
  'pics/img-004.jpg,cat,b,south,B',
  'pics/img-005.jpg,dog,b,south,B',
  'pics/img-006.jpg,cat,b,south,B',
  'pics/img-007.jpg,dog,b,,A',
].join('\n')

const WRONG = new Set([5, 6])
const AT = '2024-01-01T00:00:00Z'

export async function makeAttributeProject(root: string): Promise<{ dir: string; runId: number; ids: number[] }> {
  const src = path.join(root, 'src')
  await makeImages(path.join(src, 'pics'), 8)
  fs.writeFileSync(path.join(src, 'list.csv'), CSV)
  const dir = path.join(root, 'proj')
  const s = Studio.init(dir)
  try {
    await s.import(path.join(src, 'list.csv'))
    const ids = Array.from({ length: 8 }, (_, i) => s.image(`pics/img-00${i}.jpg`).id)
    const classes = ['cat', 'dog'].map((name) => {
      const c = s.labels.classes().find((k) => k.name === name)!
      return { id: c.id, name }
    })
    const store = s.store
    const runId = store.tx(() => {
      const version = store.datasets.insertVersion(
        { createdAt: AT, seed: 1, fractions: { train: 0, val: 0, test: 1 }, useOriginSplits: false, classes },
        ids.map((imageId, i) => ({ imageId, classIndex: i % 2, split: 'test' })),
      )
      const id = store.runs.create({ datasetVersion: version, preset: 'seed', config: '{}', createdAt: AT, pid: 1 })
      store.runs.finish(id, 'done', '2024-01-01T00:01:00Z')
      store.runs.setSummary(id, { split: 'test', accuracy: 0.75 })
      store.runs.replacePredictions(
        id,
        ids.map((imageId, i) => {
          const truth = i % 2
          const pred = WRONG.has(i) ? 1 - truth : truth
          const confidence = WRONG.has(i) ? 0.75 : 0.85
          const probs = new Float32Array(2)
          probs[pred] = confidence
          probs[1 - pred] = 1 - confidence
          return { imageId, trueIndex: truth, predIndex: pred, confidence, probs }
        }),
      )
      return id
    })
    return { dir, runId, ids }
  } finally {
    s.close()
  }
}
