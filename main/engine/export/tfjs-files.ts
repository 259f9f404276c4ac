import type * as tf from '@tensorflow/tfjs'

/** An export's files in memory, by relative path, before they are written. */
export type ExportFiles = Record<string, string | Uint8Array>

/** model.json as TF.js writes it (layers or graph model); the weights are listed per shard group. */
export interface ModelJson {
  format?: string
  generatedBy?: string
  convertedBy?: string | null
  modelTopology: unknown
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[]
  [other: string]: unknown
}

/** A model read from an export's files: its model.json and all its weight bytes, in manifest order. */
export interface ModelFiles {
  json: ModelJson
  specs: tf.io.WeightsManifestEntry[]
  data: Uint8Array
}

export function text(data: string | Uint8Array): string {
  return typeof data === 'string' ? data : new TextDecoder().decode(data)
}

/** `folder/name`, or `name` for the export's top folder (''). */
export function inFolder(folder: string, name: string): string {
  return folder ? `${folder}/${name}` : name
}

/** The model in `folder` of the export (model.json and the shards its manifest names). */
export function readModel(files: ExportFiles, folder: string): ModelFiles {
  const name = inFolder(folder, 'model.json')
  const raw = files[name]
  if (raw === undefined) throw new Error(`the export has no ${name}`)
  const json = JSON.parse(text(raw)) as ModelJson
  const shards = json.weightsManifest.flatMap((g) =>
    g.paths.map((p) => {
      const shard = files[inFolder(folder, p)]
      if (shard === undefined || typeof shard === 'string') throw new Error(`the export has no ${inFolder(folder, p)}`)
      return shard
    }),
  )
  const data = new Uint8Array(shards.reduce((n, s) => n + s.byteLength, 0))
  let at = 0
  for (const s of shards) {
    data.set(s, at)
    at += s.byteLength
  }
  return { json, specs: json.weightsManifest.flatMap((g) => g.weights), data }
}

/**
 * Writes a model into `folder` as model.json + one weights.bin (whatever shards it came from), with
 * the given topology and weights; returns the two paths.
 */
export function writeModel(
  files: ExportFiles,
  folder: string,
  json: ModelJson,
  specs: tf.io.WeightsManifestEntry[],
  data: Uint8Array,
): string[] {
  const out: ModelJson = { ...json, weightsManifest: [{ paths: ['weights.bin'], weights: specs }] }
  const names = [inFolder(folder, 'model.json'), inFolder(folder, 'weights.bin')]
  files[names[0]!] = JSON.stringify(out)
  files[names[1]!] = data
  return names
}

/** Total bytes of the named files. */
export function sizeOf(files: ExportFiles, names: string[]): number {
  return names.reduce((n, f) => {
    const d = files[f]
    return n + (d === undefined ? 0 : typeof d === 'string' ? Buffer.byteLength(d) : d.byteLength)
  }, 0)
}

/** A size for people: 1234567 → "1.2 MB". */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} kB`
  return `${(n / 1e6).toFixed(1)} MB`
}
