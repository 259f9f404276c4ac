import fs from 'node:fs'
import path from 'node:path'
import type { VectorSource } from './feature-dups'

/**
 * Backbone features the project has already computed, read for near-duplicate grouping. Transfer
 * training and label checks file them under cache/features/<backbone>-<size>-<fit>/<image hash>.f32
 * (training/transfer.ts `extractFeatures`); the health report never computes features itself.
 */
export interface FeatureFolder {
  /** Folder name, e.g. `mobilenet_v1_0.75_224-224-cover`. */
  name: string
  /** The backbone part of the name. */
  backbone: string
  dir: string
  /** Image hashes with a feature file. */
  hashes: Set<string>
}

function root(cacheDir: string): string {
  return path.join(cacheDir, 'features')
}

function subfolders(cacheDir: string): string[] {
  try {
    return fs
      .readdirSync(root(cacheDir), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort()
  } catch {
    return []
  }
}

/**
 * Changes whenever a feature file is added or removed (a folder's modification time moves when
 * an entry is renamed into it): part of the report's cache keys. A few stat calls, no listing.
 */
export function featureSignature(cacheDir: string): string {
  return subfolders(cacheDir)
    .map((name) => {
      try {
        return `${name}@${fs.statSync(path.join(root(cacheDir), name)).mtimeMs}`
      } catch {
        return name
      }
    })
    .join(',')
}

/** The folder with features of the most images (ties: by name), or null when there is none. */
export function chooseFeatureFolder(cacheDir: string): FeatureFolder | null {
  let best: FeatureFolder | null = null
  for (const name of subfolders(cacheDir)) {
    const dir = path.join(root(cacheDir), name)
    let files: string[]
    try {
      files = fs.readdirSync(dir)
    } catch {
      continue
    }
    const hashes = new Set(files.filter((f) => f.endsWith('.f32')).map((f) => f.slice(0, -4)))
    if (hashes.size && (!best || hashes.size > best.hashes.size)) {
      best = { name, backbone: name.replace(/-\d+-[a-z]+$/, ''), dir, hashes }
    }
  }
  return best
}

/**
 * The images of `rows` ([id, content hash]) with a feature file in `folder`, and their vectors
 * read one at a time when asked for. A file of the wrong length (a crash mid-write predates atomic
 * writes) reads as zeros, which match nothing.
 */
export function cachedFeatures(
  folder: FeatureFolder,
  rows: readonly (readonly [number, string])[],
): { ids: number[]; source: VectorSource } | null {
  const have = rows.filter(([, hash]) => folder.hashes.has(hash))
  if (have.length < 2) return null
  const read = (hash: string) => fs.readFileSync(path.join(folder.dir, `${hash}.f32`))
  const dim = read(have[0]![1]).length / 4
  if (!Number.isInteger(dim) || dim < 1) return null
  const zeros = new Float32Array(dim)
  const vector = (i: number): Float32Array => {
    let b: Buffer
    try {
      b = read(have[i]![1])
    } catch {
      return zeros
    }
    if (b.length !== dim * 4) return zeros
    // A Buffer may start at any byte of its memory; a Float32Array view needs a multiple of 4.
    return b.byteOffset % 4 === 0
      ? new Float32Array(b.buffer, b.byteOffset, dim)
      : new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + dim * 4))
  }
  return { ids: have.map(([id]) => id), source: { count: have.length, dim, vector } }
}
