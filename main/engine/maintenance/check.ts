import { createHash } from 'node:crypto'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import sharp from 'sharp'
import type { CheckDto, CheckProblemDto, CheckRepairDto } from '../../../preload/contract'
import { errorMessage } from '../errors'
import { thumbFile } from '../media/formats'
import { writeAtomic } from '../media/ingest'
import { ensureThumbnail, originalPath } from '../media/thumbnails'
import { isForgotten } from '../privacy/settings'
import { carriesGps } from '../privacy/strip'
import type { ImageFileRow } from '../store'
import type { Studio } from '../studio'

export interface CheckOptions {
  /** Stops between groups of a few images; the result then says `complete: false` and what was done. */
  signal?: AbortSignal
  /** After every group of a few images: originals verified so far, of all. */
  onProgress?: (p: { done: number; total: number }) => void
}

/**
 * `studio check` (and the Settings view's Check button): the database (PRAGMA integrity_check,
 * foreign keys), every original against its stored SHA-256, every thumbnail present (a missing or
 * empty one is made again from its original). A missing or damaged original is restored from where
 * it was imported when that file is still there with the same bytes (source paths kept); anything
 * else that cannot be repaired is listed, each file named. Images imported before Studio counted GPS
 * get counted on the way (their bytes are read anyway). Reads images in pages, a few at a time.
 * Repairs and problems name the file and the image as imported (`name`, its path below its import).
 */
export async function checkProject(studio: Studio, opts: CheckOptions = {}): Promise<CheckDto> {
  const started = Date.now()
  const { store } = studio
  const paths = studio.project.paths
  const { integrity, foreignKeys } = store.privacy.verify(store.db)
  const problems: CheckProblemDto[] = []
  const repaired: CheckRepairDto[] = []
  const name = (id: number) => store.images.get(id)?.relPath ?? null
  if (integrity.join() !== 'ok') {
    for (const line of integrity)
      problems.push({ kind: 'database', file: paths.db, name: null, imageId: null, detail: line })
  }
  if (foreignKeys) {
    problems.push({
      kind: 'database',
      file: paths.db,
      name: null,
      imageId: null,
      detail: `${foreignKeys} rows refer to rows that do not exist (PRAGMA foreign_key_check)`,
    })
  }
  const total = store.images.total()
  const result = { checked: 0, originalsOk: 0, repairedOriginals: 0, repairedThumbnails: 0, gpsCounted: 0 }
  const gps: [number, boolean][] = []
  const one = async (img: ImageFileRow) => {
    const file = originalPath(paths, img)
    let buf: Buffer | null = await fs.readFile(file).catch(() => null)
    const ok = buf !== null && sha256(buf) === img.hash
    if (!ok) {
      const restored = await restoreFromSource(studio, img, file)
      if (restored) {
        result.repairedOriginals++
        repaired.push({ kind: 'original', file, name: name(img.id), imageId: img.id, from: restored.from })
        buf = restored.buf
      } else {
        problems.push({
          kind: buf === null ? 'original-missing' : 'original-damaged',
          file,
          name: name(img.id),
          imageId: img.id,
          detail:
            buf === null
              ? `the original of image ${img.id} is missing and its import source is not available`
              : `the original of image ${img.id} does not match its SHA-256 (damaged on disk); its import source is not available`,
        })
        return
      }
    } else result.originalsOk++
    if (img.gps === null && buf) {
      const meta = await sharp(buf, { limitInputPixels: false })
        .metadata()
        .catch(() => null)
      if (meta) gps.push([img.id, carriesGps(buf, meta)])
    }
    const thumb = thumbFile(paths.thumbs, img.hash)
    const size = await fs.stat(thumb).then(
      (s) => s.size,
      () => 0,
    )
    if (size > 0) return
    try {
      await fs.rm(thumb, { force: true })
      await ensureThumbnail(paths, img)
      result.repairedThumbnails++
      repaired.push({ kind: 'thumbnail', file: thumb, name: name(img.id), imageId: img.id, from: null })
    } catch (err) {
      problems.push({
        kind: 'thumbnail',
        file: thumb,
        name: name(img.id),
        imageId: img.id,
        detail: `the thumbnail of image ${img.id} could not be made again: ${errorMessage(err)}`,
      })
    }
  }
  const width = Math.max(2, Math.min(8, os.availableParallelism()))
  let after = 0
  const stopped = () => opts.signal?.aborted === true
  while (!stopped()) {
    const page = store.privacy.imageFiles(after, 256)
    if (!page.length) break
    // A group of `width` files at a time; a cancel stops after the group in flight.
    for (let i = 0; i < page.length && !stopped(); i += width) {
      const group = page.slice(i, i + width)
      await Promise.all(group.map(one))
      after = group[group.length - 1]!.id
      result.checked += group.length
      opts.onProgress?.({ done: result.checked, total })
    }
    if (gps.length) {
      store.tx(() => {
        for (const [id, has] of gps) store.privacy.setGps(id, has)
      })
      result.gpsCounted += gps.length
      gps.length = 0
    }
  }
  return {
    database: integrity.join() === 'ok' && !foreignKeys ? 'ok' : 'damaged',
    images: total,
    ...result,
    complete: result.checked === total,
    repaired: repaired.sort((a, b) => a.imageId - b.imageId),
    problems: problems.sort((a, b) => (a.imageId ?? 0) - (b.imageId ?? 0)),
    seconds: (Date.now() - started) / 1000,
  }
}

function sha256(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex')
}

/** The image's bytes from a path it was imported from, written back, when that file still has them. */
async function restoreFromSource(
  studio: Studio,
  img: ImageFileRow,
  file: string,
): Promise<{ buf: Buffer; from: string } | null> {
  for (const s of studio.store.privacy.importedFrom(img.id)) {
    if (isForgotten(s.source)) continue
    // A CSV import's paths are relative to the CSV's folder.
    const base = s.source.toLowerCase().endsWith('.csv') ? path.dirname(s.source) : s.source
    const candidate = path.join(base, ...s.relPath.split('/'))
    const buf = await fs.readFile(candidate).catch(() => null)
    if (buf && sha256(buf) === img.hash) {
      await writeAtomic(file, buf, studio.project.paths.tmp)
      return { buf, from: candidate }
    }
  }
  return null
}
