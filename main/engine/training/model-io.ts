import fs from 'node:fs'
import path from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { NotFoundError, StudioError } from '../errors'
import { writeFolderAtomic } from '../fs'

/**
 * Saving and loading TF.js layers models as a folder (model.json + weights.bin) with plain fs,
 * so nothing depends on tfjs-node's file:// handler. The folder is written next to its final
 * place and renamed in, so a crash (or a full disk) never leaves a half-written model.
 */
export function folderSaver(dir: string): tf.io.IOHandler {
  return tf.io.withSaveHandler(async (artifacts) => {
    const files = artifactFiles(artifacts)
    writeFolderAtomic(dir, files)
    return {
      modelArtifactsInfo: {
        dateSaved: new Date(),
        modelTopologyType: 'JSON',
        weightDataBytes: (files['weights.bin'] as Uint8Array).byteLength,
      },
    }
  })
}

/** model.json + weights.bin for a model's artifacts (single weights shard). */
export function artifactFiles(artifacts: tf.io.ModelArtifacts): Record<string, Uint8Array | string> {
  const json = {
    format: artifacts.format ?? 'layers-model',
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy ?? null,
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
  }
  return { 'model.json': JSON.stringify(json), 'weights.bin': new Uint8Array(concat(artifacts.weightData)) }
}

/** The artifacts of a model in memory. */
export async function modelArtifacts(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let out: tf.io.ModelArtifacts | undefined
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      out = a
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }
    }),
  )
  return out!
}

/** Reads a folder written by `folderSaver` (or any single-shard TF.js layers model). */
export function readArtifacts(dir: string): tf.io.ModelArtifacts {
  const file = path.join(dir, 'model.json')
  if (!fs.existsSync(file)) throw new NotFoundError(`no model at ${file}`)
  let json: {
    modelTopology: object
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[]
    trainingConfig?: tf.io.TrainingConfig
    format?: string
  }
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8')) as typeof json
  } catch (err) {
    throw new StudioError(`${file} is not valid JSON: ${(err as Error).message}`)
  }
  const weightSpecs = json.weightsManifest.flatMap((g) => g.weights)
  const buffers = json.weightsManifest.flatMap((g) => g.paths.map((p) => fs.readFileSync(path.join(dir, p))))
  return {
    modelTopology: json.modelTopology,
    weightSpecs,
    weightData: concat(buffers.map((b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer)),
    format: json.format,
    ...(json.trainingConfig ? { trainingConfig: json.trainingConfig } : {}),
  }
}

export async function loadModel(dir: string): Promise<tf.LayersModel> {
  return tf.loadLayersModel(tf.io.fromMemory(readArtifacts(dir)))
}

function concat(data: ArrayBuffer | ArrayBuffer[] | undefined): ArrayBuffer {
  if (!data) return new ArrayBuffer(0)
  if (!Array.isArray(data)) return data
  const total = data.reduce((n, b) => n + b.byteLength, 0)
  const out = new Uint8Array(total)
  let off = 0
  for (const b of data) {
    out.set(new Uint8Array(b), off)
    off += b.byteLength
  }
  return out.buffer
}
