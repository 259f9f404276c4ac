import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { STUDIO_VERSION } from '../version'
import type { ExportedFormat } from './bundle'
import type { FormatName, SelfTestResult } from './self-test'

/**
 * export.json: what an export folder holds, file by file with size and SHA-256, grouped by model
 * format with the runtime that loads each and its self-test. Written last, so every hash is of the
 * file as shipped (the model card already carries the self-test); it does not list itself.
 */

export const MANIFEST_FILE = 'export.json'

export interface ManifestFile {
  /** Relative to the export folder, with forward slashes. */
  path: string
  bytes: number
  sha256: string
}

export interface ManifestFormat {
  format: FormatName
  /** The package that loads it, e.g. '@tensorflow/tfjs', 'onnxruntime'. */
  runtime: string
  /** Its model.json or model.onnx, relative to the folder. */
  modelFile: string
  /** What a user of this format must know; absent when nothing. */
  note?: string
  /** Bytes of the format's own model and weight files (not the shared labels and preprocessing). */
  bytes: number
  /** Every file the format needs. */
  files: ManifestFile[]
  /** null: not self-tested (the export was written without the test). */
  selfTest: SelfTestResult | null
}

export interface ExportManifest {
  studioVersion: string
  runId: number
  /** ISO time the export was written. */
  createdAt: string
  formats: ManifestFormat[]
  /** Every file of the folder but export.json itself. */
  files: ManifestFile[]
}

/** Size and SHA-256 of every file below `dir` (sorted by path), streamed: weights never sit in memory whole. */
export async function describeFiles(dir: string, signal?: AbortSignal): Promise<ManifestFile[]> {
  const out: ManifestFile[] = []
  for (const rel of listFiles(dir)) {
    signal?.throwIfAborted()
    if (rel === MANIFEST_FILE) continue
    const file = path.join(dir, ...rel.split('/'))
    const hash = createHash('sha256')
    let bytes = 0
    for await (const chunk of fs.createReadStream(file) as AsyncIterable<Buffer>) {
      hash.update(chunk)
      bytes += chunk.length
    }
    out.push({ path: rel, bytes, sha256: hash.digest('hex') })
  }
  return out
}

/** Relative paths (forward slashes) of the regular files below `dir`, sorted. */
export function listFiles(dir: string): string[] {
  const entries = fs.readdirSync(dir, { recursive: true, withFileTypes: true })
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort()
}

/** The manifest of an export from its formats, their self-tests and the files on disk. */
export function buildManifest(
  runId: number,
  formats: ExportedFormat[],
  selfTests: ReadonlyMap<FormatName, SelfTestResult> | null,
  files: ManifestFile[],
  now = new Date(),
): ExportManifest {
  const byPath = new Map(files.map((f) => [f.path, f]))
  return {
    studioVersion: STUDIO_VERSION,
    runId,
    createdAt: now.toISOString(),
    formats: formats.map((f) => {
      const own = f.files.flatMap((p) => byPath.get(p) ?? [])
      return {
        format: f.format,
        runtime: f.runtime,
        modelFile: f.modelFile,
        ...(f.note ? { note: f.note } : {}),
        bytes: f.bytes ?? own.reduce((n, x) => n + x.bytes, 0),
        files: own,
        selfTest: selfTests?.get(f.format) ?? null,
      }
    }),
    files,
  }
}

/** Formats whose self-test failed (skipped ones are not failures: nothing could be run). */
export function failedFormats(m: ExportManifest): ManifestFormat[] {
  return m.formats.filter((f) => f.selfTest?.status === 'failed')
}
