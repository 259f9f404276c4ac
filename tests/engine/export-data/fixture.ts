import fs from 'node:fs'
import path from 'node:path'
import sharp from 'sharp'
import { createDatasetVersion } from '../../../main/engine/datasets/versions'
import { Studio } from '../../../main/engine/studio'
import { makeImage } from '../../helpers/fixtures'

/** GPS coordinates written into the fixture's phone photo; an export must not carry them. */
export const GPS = {
  GPSLatitudeRef: 'N',
  GPSLatitude: '48/1 51/1 2938/100',
  GPSLongitudeRef: 'E',
  GPSLongitude: '2/1 21/1 707/100',
}

/**
 * A phone photo: 40×20 pixels stored sideways with EXIF orientation 6 (shown 20×40), GPS
 * coordinates and a description naming a home folder.
 */
export async function writePhoneJpeg(file: string): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  await sharp({ create: { width: 40, height: 20, channels: 3, background: { r: 200, g: 30, b: 30 } } })
    .composite([{ input: { create: { width: 8, height: 8, channels: 3, background: '#00ff00' } }, left: 0, top: 0 }])
    .jpeg({ quality: 90 })
    .withMetadata({ orientation: 6 })
    .withExif({ IFD0: { ImageDescription: '/home/someone/Pictures/holiday' }, IFD3: GPS })
    .toFile(file)
}

/**
 * A project imported from `train|val|test/<class>/` folders (origin splits), with file names that
 * collide once flattened (`same.jpg` in several classes, `Same.jpg` differing by case), names other
 * systems refuse (`CON.jpg`, `a:b?.jpg`, a leading dot is skipped by import so not used), a
 * decomposed-unicode name, a PNG, the phone photo, and two unlabeled images at the top. Version 1
 * keeps the origin splits.
 */
export async function makeExportProject(root: string): Promise<{ dir: string; src: string; versionId: number }> {
  const src = path.join(root, 'src')
  let seed = 1
  const layout: [string, string, number][] = [
    ['train', 'cat', 4],
    ['train', 'dog', 4],
    ['val', 'cat', 2],
    ['val', 'dog', 2],
    ['test', 'cat', 2],
    ['test', 'dog', 2],
  ]
  for (const [split, cls, n] of layout) {
    for (let i = 0; i < n; i++) await makeImage(path.join(src, split, cls, `img-${i}.jpg`), seed++)
  }
  await makeImage(path.join(src, 'train', 'cat', 'same.jpg'), seed++)
  await makeImage(path.join(src, 'train', 'dog', 'same.jpg'), seed++)
  await makeImage(path.join(src, 'val', 'dog', 'Same.jpg'), seed++)
  await makeImage(path.join(src, 'train', 'cat', 'CON.jpg'), seed++)
  await makeImage(path.join(src, 'train', 'dog', 'a:b?.jpg'), seed++)
  await makeImage(path.join(src, 'test', 'cat', 'cafe\u0301.jpg'), seed++)
  await makeImage(path.join(src, 'train', 'dog', 'pic.png'), seed++, 'png')
  await writePhoneJpeg(path.join(src, 'train', 'cat', 'phone.jpg'))
  await makeImage(path.join(src, 'loose-1.jpg'), seed++)
  await makeImage(path.join(src, 'loose-2.jpg'), seed)
  const dir = path.join(root, 'proj')
  const s = Studio.init(dir)
  try {
    const summary = await s.import(src)
    if (summary.errors) throw new Error(`fixture import had ${summary.errors} errors`)
    const versionId = createDatasetVersion(s.store, { useOriginSplits: true })
    return { dir, src, versionId }
  } finally {
    s.close()
  }
}

/** Every file below `dir`, relative with `/`, sorted. */
export function listFiles(dir: string): string[] {
  const out: string[] = []
  const walk = (d: string, rel: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name
      if (e.isDirectory()) walk(path.join(d, e.name), r)
      else out.push(r)
    }
  }
  walk(dir, '')
  return out.sort()
}
