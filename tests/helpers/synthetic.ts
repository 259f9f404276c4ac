import type { Studio } from '../../main/engine/studio'

/**
 * Inserts `n` synthetic image rows (no files) for query tests and benchmarks: names cycle so that
 * sorting by name has ties, sizes repeat, every 3rd image is unlabeled, origins alternate.
 */
export function insertSyntheticImages(studio: Studio, n: number, classes = ['ant', 'bee', 'wasp']): void {
  const classIds = classes.map((c) => studio.labels.ensureClass(c).id)
  const at = new Date().toISOString()
  const from = studio.store.images.total()
  studio.store.tx(() => {
    for (let i = from; i < from + n; i++) {
      const id = studio.store.images.insert({
        hash: i.toString(16).padStart(64, '0'),
        originalName: `${i % 2 ? 'Photo' : 'photo'}_${String(i % 997).padStart(4, '0')}.jpg`,
        relPath: `dir${i % 10}/photo_${i}.jpg`,
        ext: '.jpg',
        format: 'jpeg',
        width: 640,
        height: 480,
        bytes: 1000 + (i % 113),
        origin: i % 2 ? 'train' : 'val',
        batchId: null,
        importedAt: at,
      })
      if (i % 3 !== 0) studio.labels.importLabel(id, classIds[Math.floor(i / 3) % classIds.length]!, at)
    }
  })
}
