import fs from 'node:fs'
import path from 'node:path'
import { z } from 'zod'
import { StudioError } from '../errors'
import type { Scaling } from './presets/scaling'

/** A backbone folder that cannot be used: a malformed manifest, a missing or damaged file. */
export class BackboneError extends StudioError {}

/** How backbone.json writes an input scaling, and the name Studio's pipeline uses for it. */
export const SCALINGS = { 'x/127.5-1': 'symmetric', 'x/255': 'unit' } as const satisfies Record<string, Scaling>

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 is 64 lowercase hex digits')

/**
 * backbone.json, the manifest beside a backbone's model.json. With it any TF.js MobileNet /
 * EfficientNet-style folder in the models folder is usable without code changes.
 */
export const manifestSchema = z.object({
  /** The folder's name: the backbone's identity in configs, caches and runs. */
  name: z.string().min(1),
  /** Shown in the Train form, e.g. "MobileNet v1 0.75". */
  title: z.string().min(1),
  /** Side of the square RGB input, pixels. */
  inputSize: z.number().int().min(8).max(1024),
  /** What the model expects from pixels x in 0..255. */
  scaling: z.enum(['x/127.5-1', 'x/255']),
  /** Layers model: the layer whose output is global-average-pooled into features; null: the one before the last. */
  cutLayer: z.string().min(1).nullable().optional(),
  /** Graph model: the node whose output is the feature vector. */
  outputNode: z.string().min(1).optional(),
  /** Length of the feature vector (checked when the model loads). */
  featureSize: z.number().int().positive(),
  /** Weights of the (cut) model. */
  parameters: z.number().int().nonnegative().optional(),
  /** Bytes of model.json and the weight files. */
  bytes: z.number().int().nonnegative().optional(),
  /** Published ImageNet top-1 accuracy (0–1); the default backbone is the available one with the highest. */
  imagenetTop1: z.number().min(0).max(1).optional(),
  /** Feature extraction speed as measured, with how (backend, threads, batch). */
  speed: z.object({ imagesPerSecond: z.number().positive(), measured: z.string().min(1) }).optional(),
  /**
   * Layers model convolutional up to its cut: the input side the transfer preset trains at by
   * default (it takes any square side; a larger one shows small subjects in more detail).
   */
  trainSize: z.number().int().min(8).max(1024).optional(),
  /**
   * The network's own classifier on its pooled features (e.g. MobileNet's 1000 ImageNet classes), as
   * a file of the folder: float32 little-endian, the kernel (featureSize × classes, row by row), then
   * the bias (classes). The transfer preset appends its class probabilities to the features
   * (classScores, transfer-recipe.ts); `layer` names the layer it came from.
   */
  classifier: z
    .object({ file: z.string().min(1), classes: z.number().int().positive(), layer: z.string().min(1).optional() })
    .optional(),
  /** Where the weights came from. */
  source: z.string().min(1),
  /** SPDX identifier of the weights' license, e.g. Apache-2.0. */
  license: z.string().min(1),
  /** File → SHA-256 (hex); each listed file is checked before the model loads. */
  sha256: z.record(z.string().min(1), sha256).optional(),
})

export type BackboneManifest = z.infer<typeof manifestSchema>

export const MANIFEST = 'backbone.json'

/**
 * Backbone folders without a backbone.json that Studio knows (the layout of ../shared/models and of
 * models folders set up before manifests existed; see each model's SOURCE.md).
 */
export const KNOWN: Record<string, Omit<BackboneManifest, 'name' | 'source' | 'license' | 'sha256'>> = {
  'mobilenet_v1_0.25_224': {
    title: 'MobileNet v1 0.25',
    inputSize: 224,
    scaling: 'x/127.5-1',
    cutLayer: 'conv_pw_13_relu',
    featureSize: 256,
    imagenetTop1: 0.506,
  },
  'mobilenet_v1_0.75_224': {
    title: 'MobileNet v1 0.75',
    inputSize: 224,
    scaling: 'x/127.5-1',
    cutLayer: 'conv_pw_13_relu',
    featureSize: 768,
    imagenetTop1: 0.684,
  },
  mobilenet_v1_025_224_graph: {
    title: 'MobileNet v1 0.25 (graph model)',
    inputSize: 224,
    scaling: 'x/255',
    outputNode: 'module_apply_default/MobilenetV1/Logits/global_pool',
    featureSize: 256,
    imagenetTop1: 0.506,
  },
}

/** backbone.json of a folder: null where there is none; BackboneError (with the reason) where it is malformed. */
export function readManifest(folder: string): BackboneManifest | null {
  const file = path.join(folder, MANIFEST)
  if (!fs.existsSync(file)) return null
  let json: unknown
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'))
  } catch (err) {
    throw new BackboneError(`${MANIFEST} is not valid JSON: ${(err as Error).message}`)
  }
  const parsed = manifestSchema.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const where = issue.path.length ? `${issue.path.join('.')}: ` : ''
    throw new BackboneError(`${MANIFEST} is malformed: ${where}${issue.message}`)
  }
  const m = parsed.data
  if (m.name !== path.basename(folder)) {
    throw new BackboneError(`${MANIFEST} names ${JSON.stringify(m.name)}, but its folder is ${path.basename(folder)}`)
  }
  if (m.cutLayer && m.outputNode) throw new BackboneError(`${MANIFEST} gives both cutLayer and outputNode`)
  return m
}

/** What backbone.json checks need from a model.json. */
export interface ModelFiles {
  /** Weight files of the weights manifest, in order. */
  weights: string[]
  /** A graph model (its topology has nodes) rather than a layers model. */
  graph: boolean
  /** Layer names of a layers model; null where the topology does not list them plainly. */
  layers: string[] | null
}

interface TopologyJson {
  node?: unknown
  model_config?: TopologyJson
  config?: { layers?: { name?: string; config?: { name?: string } }[] }
}

/** Reads model.json's weight files and kind. BackboneError when it is unreadable. */
export function modelFiles(folder: string): ModelFiles {
  const file = path.join(folder, 'model.json')
  let json: { modelTopology?: TopologyJson; weightsManifest?: { paths?: unknown }[] }
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8')) as typeof json
  } catch (err) {
    throw new BackboneError(`model.json cannot be read: ${(err as Error).message}`)
  }
  const topology = json.modelTopology
  if (!topology || typeof topology !== 'object' || !Array.isArray(json.weightsManifest)) {
    throw new BackboneError('model.json is not a TF.js model (no modelTopology or weightsManifest)')
  }
  const list = (topology.model_config ?? topology).config?.layers
  return {
    weights: json.weightsManifest.flatMap((g) => (Array.isArray(g.paths) ? g.paths.map(String) : [])),
    graph: Boolean(topology.node),
    layers: Array.isArray(list) ? list.map((l) => String(l.name ?? l.config?.name)) : null,
  }
}
