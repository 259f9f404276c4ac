import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { BackboneError, MANIFEST, modelFiles, type BackboneManifest } from './backbone-manifest'

/** SHA-256 (hex) of a file's bytes. */
export function sha256File(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex')
}

// Listing a folder again (every Train form, every run start) should not hash megabytes again: a
// file's hash is kept while its size and modification time stay. Loading always hashes afresh.
const remembered = new Map<string, { size: number; mtimeMs: number; hash: string }>()

function rememberedHash(file: string): string {
  const st = fs.statSync(file)
  const known = remembered.get(file)
  if (known && known.size === st.size && known.mtimeMs === st.mtimeMs) return known.hash
  const hash = sha256File(file)
  remembered.set(file, { size: st.size, mtimeMs: st.mtimeMs, hash })
  return hash
}

/** A name backbone.json or model.json may give a file: a plain name inside the folder. */
function inside(folder: string, name: string, what: string): string {
  if (!name || name !== path.basename(name) || name === '.' || name === '..') {
    throw new BackboneError(`${what} names ${JSON.stringify(name)}, which is not a file of the folder`)
  }
  return path.join(folder, name)
}

export interface FileCheck {
  /** Hash every file again (loading) instead of trusting an earlier hash of an unchanged file (listing). */
  fresh: boolean
  /** Every model file must have a hash in backbone.json (the backbones Studio ships). */
  complete: boolean
}

/**
 * The model's files are all there and, where backbone.json lists hashes, intact. Throws BackboneError
 * naming the first missing or damaged file.
 */
export function checkFiles(folder: string, manifest: BackboneManifest | null, opts: FileCheck): void {
  const { weights } = modelFiles(folder)
  for (const w of weights) {
    if (!fs.existsSync(inside(folder, w, 'model.json'))) {
      throw new BackboneError(`weight file ${w} (listed in model.json) is missing`)
    }
  }
  const hashes = manifest?.sha256 ?? {}
  const cls = manifest?.classifier?.file
  if (cls && !fs.existsSync(inside(folder, cls, MANIFEST))) {
    throw new BackboneError(`classifier file ${cls} (listed in ${MANIFEST}) is missing`)
  }
  if (opts.complete) {
    const classifier = manifest?.classifier ? [manifest.classifier.file] : []
    const unlisted = ['model.json', ...weights, ...classifier].filter((f) => !(f in hashes))
    if (unlisted.length) {
      throw new BackboneError(`${MANIFEST} lists no SHA-256 for ${unlisted.slice(0, 3).join(', ')}`)
    }
  }
  for (const [name, want] of Object.entries(hashes)) {
    const file = inside(folder, name, MANIFEST)
    if (!fs.existsSync(file)) throw new BackboneError(`file ${name} is missing`)
    const got = opts.fresh ? sha256File(file) : rememberedHash(file)
    if (got !== want) throw new BackboneError(`file ${name} is damaged (its SHA-256 is not the one ${MANIFEST} lists)`)
  }
}

/** Bytes of model.json and its weight files (0 where model.json cannot be read). */
export function modelBytes(folder: string): number {
  let names: string[]
  try {
    names = ['model.json', ...modelFiles(folder).weights]
  } catch {
    return 0
  }
  return names.reduce((sum, n) => {
    const f = path.join(folder, path.basename(n))
    return sum + (fs.existsSync(f) ? fs.statSync(f).size : 0)
  }, 0)
}
