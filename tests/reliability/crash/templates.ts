import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import sharp from 'sharp'
import { writeShapes } from '../../../main/engine/sample/shapes'
import { MIGRATIONS } from '../../../main/engine/store/schema'
import { Studio } from '../../../main/engine/studio'
import { studioJson } from './proc'

/**
 * The projects the crash trials start from, made once per suite and copied for every trial:
 * an import source, an imported project (label bursts), a project of synthetic rows (dataset
 * versions), a schema-1 database (migration), an untrained and a trained shapes project.
 */
export interface Templates {
  root: string
  /** A new project, nothing imported. */
  empty: string
  /** Class folders a, b, c of distinct JPEGs, one duplicate and two bad files. */
  importSrc: string
  /** Distinct good images and bad files in importSrc. */
  importGood: number
  importBad: number
  /** importSrc imported; classes a, b, c. */
  labeled: string
  /** Synthetic labeled rows (no files) for dataset versions. */
  rows: string
  rowsLabeled: number
  /** A schema-1 database with `oldImages` rows. */
  old: string
  oldImages: number
  /** Shapes, imported, nothing trained. */
  shapes: string
  /** Shapes with run 1 finished. */
  trained: string
  trainArgs: string[]
}

export interface TemplateSizes {
  perClass: number
  rows: number
  oldImages: number
  shapesPerClass: number
  epochs: number
}

async function jpeg(file: string, seed: number): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  const c = { r: (seed * 67) % 256, g: (seed * 131) % 256, b: (seed * 29) % 256 }
  const dot = await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 255 - c.r, g: 0, b: 0 } } })
    .png()
    .toBuffer()
  await sharp({ create: { width: 64, height: 48, channels: 3, background: c } })
    .composite([{ input: dot, left: seed % 56, top: Math.floor(seed / 56) % 40 }])
    .jpeg({ quality: 90 })
    .toFile(file)
}

/** Makes what the chosen kinds need (`need(kind)`); the other fields name folders that stay absent. */
export async function makeTemplates(
  root: string,
  sizes: TemplateSizes,
  need: (what: 'import' | 'labels' | 'rows' | 'old' | 'shapes' | 'trained') => boolean,
): Promise<Templates> {
  fs.mkdirSync(root, { recursive: true })
  const importSrc = path.join(root, 'src')
  const empty = path.join(root, 'empty')
  const labeled = path.join(root, 'labeled')
  if (need('import') || need('labels')) {
    let seed = 1
    for (const cls of ['a', 'b', 'c'])
      for (let i = 0; i < sizes.perClass; i++) await jpeg(path.join(importSrc, cls, `img-${i}.jpg`), seed++)
    fs.copyFileSync(path.join(importSrc, 'a', 'img-0.jpg'), path.join(importSrc, 'a', 'copy-of-0.jpg'))
    fs.writeFileSync(path.join(importSrc, 'b', 'empty.jpg'), '')
    fs.writeFileSync(path.join(importSrc, 'c', 'text.png'), 'not a png\n')
    Studio.init(empty).close()
  }
  if (need('labels')) {
    const s = Studio.init(labeled)
    await s.import(importSrc)
    s.close()
  }
  const rows = path.join(root, 'rows')
  if (need('rows')) makeRows(rows, sizes.rows)
  const old = path.join(root, 'old')
  if (need('old')) makeOld(old, sizes.oldImages)
  const shapes = path.join(root, 'shapes')
  const trained = path.join(root, 'trained')
  const trainArgs = ['--epochs', String(sizes.epochs), '--input-size', '32', '--batch-size', '8', '--workers', '2']
  if (need('shapes') || need('trained')) {
    const shapesSrc = path.join(root, 'shapes-src')
    await writeShapes(shapesSrc, sizes.shapesPerClass)
    const sh = Studio.init(shapes)
    await sh.import(shapesSrc)
    sh.close()
  }
  if (need('trained')) {
    fs.cpSync(shapes, trained, { recursive: true })
    await studioJson(['train', '-p', trained, ...trainArgs])
  }
  return {
    root,
    empty,
    importSrc,
    importGood: 3 * sizes.perClass,
    importBad: 2,
    labeled,
    rows,
    rowsLabeled: sizes.rows,
    old,
    oldImages: sizes.oldImages,
    shapes,
    trained,
    trainArgs,
  }
}

function makeRows(rows: string, n: number): void {
  const r = Studio.init(rows)
  const classIds = ['x', 'y', 'z'].map((c) => r.labels.ensureClass(c).id)
  const at = new Date().toISOString()
  r.store.tx(() => {
    for (let i = 0; i < n; i++) {
      const id = r.store.images.insert({
        hash: (i + 1).toString(16).padStart(64, '0'),
        originalName: `p_${i}.jpg`,
        relPath: `d/p_${i}.jpg`,
        ext: '.jpg',
        format: 'jpeg',
        width: 64,
        height: 48,
        bytes: 1000 + i,
        origin: null,
        batchId: null,
        importedAt: at,
      })
      r.labels.importLabel(id, classIds[i % 3]!, at)
    }
  })
  r.close()
}

function makeOld(old: string, n: number): void {
  const at = new Date().toISOString()
  fs.mkdirSync(path.join(old, 'media'), { recursive: true })
  fs.mkdirSync(path.join(old, 'thumbs'), { recursive: true })
  const db = new Database(path.join(old, 'studio.db'))
  db.pragma('journal_mode = WAL')
  db.exec(MIGRATIONS[0]!)
  db.pragma('user_version = 1')
  const ins = db.prepare(
    `INSERT INTO images (hash, original_name, rel_path, ext, format, width, height, bytes, imported_at)
     VALUES (?, ?, ?, '.jpg', 'jpeg', 640, 480, ?, ?)`,
  )
  db.transaction(() => {
    for (let i = 0; i < n; i++)
      ins.run((i + 1).toString(16).padStart(64, '0'), `o_${i}.jpg`, `o/o_${i}.jpg`, 500 + (i % 977), at)
  })()
  db.close()
}

/** A fresh copy of a template project for one trial. */
export function copyProject(from: string, to: string): string {
  fs.cpSync(from, to, { recursive: true })
  return to
}
