import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { BackboneDto } from '../../../preload/contract'
import { NotFoundError } from '../errors'
import { resourcePath } from '../resources'
import { checkFiles, modelBytes } from './backbone-files'
import {
  BackboneError,
  KNOWN,
  MANIFEST,
  modelFiles,
  readManifest,
  SCALINGS,
  type BackboneManifest,
} from './backbone-manifest'
import type { Scaling } from './presets/scaling'

/** The models folder: the setting, else STUDIO_MODELS_DIR, else ~/.studio/models. */
export function modelsDir(explicit?: string | null): string {
  return path.resolve(explicit ?? process.env.STUDIO_MODELS_DIR ?? path.join(os.homedir(), '.studio', 'models'))
}

/**
 * The backbones Studio ships: resources/models, from source and in a packaged app.
 * STUDIO_BUNDLED_MODELS_DIR points elsewhere (a custom package, or a test of a machine without them).
 */
export function bundledModelsDir(): string {
  return process.env.STUDIO_BUNDLED_MODELS_DIR
    ? path.resolve(process.env.STUDIO_BUNDLED_MODELS_DIR)
    : resourcePath('models')
}

/** Where backbones are looked for. A models-folder backbone replaces a bundled one of the same name. */
export interface BackboneFolders {
  /** The models folder (modelsDir()). */
  user: string
  /** The bundled backbones (bundledModelsDir()). */
  bundled: string
}

export function backboneFolders(setting?: string | null, bundled?: string | null): BackboneFolders {
  return { user: modelsDir(setting), bundled: bundled ?? bundledModelsDir() }
}

/** How a backbone is cut and fed: from its backbone.json, Studio's table of known folders, or defaults. */
export interface BackboneSpec {
  title: string
  /** Layers model: the feature layer; null: the layer before the last. */
  cut: string | null
  /** Graph model: the feature node; null: unknown (such a graph model cannot be used). */
  output: string | null
  scaling: Scaling
  /** Null where nothing says (an unknown folder without backbone.json): the model's input decides. */
  inputSize: number | null
  /** The transfer preset's default input side where it differs from inputSize (backbone.json's trainSize). */
  trainSize: number | null
  featureSize: number | null
  imagenetTop1: number | null
  manifest: BackboneManifest | null
}

/** The spec of a backbone folder. BackboneError when its backbone.json is malformed. */
export function backboneSpec(folder: string, name: string): BackboneSpec {
  const manifest = readManifest(folder)
  const m = manifest ?? KNOWN[name]
  if (!m) {
    const none = { inputSize: null, trainSize: null, featureSize: null, imagenetTop1: null, manifest: null }
    return { title: name, cut: null, output: null, scaling: 'symmetric', ...none }
  }
  return {
    title: m.title,
    cut: m.cutLayer ?? null,
    output: m.outputNode ?? null,
    scaling: SCALINGS[m.scaling],
    inputSize: m.inputSize,
    trainSize: m.trainSize ?? null,
    featureSize: m.featureSize,
    imagenetTop1: m.imagenetTop1 ?? null,
    manifest,
  }
}

export type BackboneOrigin = BackboneDto['origin']

/** A backbone folder as listed: usable, or refused with the reason. */
export interface BackboneEntry {
  name: string
  origin: BackboneOrigin
  folder: string
  /** Null where backbone.json is malformed. */
  spec: BackboneSpec | null
  /** Why it cannot be used (malformed manifest, missing or damaged file); null: usable. */
  problem: string | null
  /** Bytes of model.json and its weight files. */
  bytes: number
}

/** Checks one folder without loading the model (hashes of unchanged files are remembered). */
export function checkBackbone(folder: string, origin: BackboneOrigin): BackboneEntry {
  const name = path.basename(folder)
  const entry = { name, origin, folder, bytes: modelBytes(folder) }
  let spec: BackboneSpec | null = null
  try {
    spec = backboneSpec(folder, name)
    if (!fs.existsSync(path.join(folder, 'model.json')))
      throw new BackboneError(`there is a ${MANIFEST} but no model.json`)
    const files = modelFiles(folder)
    if (files.graph && !spec.output) {
      throw new BackboneError(`a graph model: Studio needs ${MANIFEST}'s outputNode (the node giving the features)`)
    }
    if (!files.graph && spec.cut && files.layers && !files.layers.includes(spec.cut)) {
      throw new BackboneError(`the model has no layer ${JSON.stringify(spec.cut)} to cut at`)
    }
    checkFiles(folder, spec.manifest, { fresh: false, complete: origin === 'bundled' })
    return { ...entry, spec, problem: null }
  } catch (err) {
    if (!(err instanceof BackboneError)) throw err
    return { ...entry, spec, problem: err.message }
  }
}

/** Folders of a models folder that hold a backbone (a model.json or a backbone.json). */
function backboneDirs(dir: string): string[] {
  if (!fs.existsSync(dir)) return []
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && ['model.json', MANIFEST].some((f) => fs.existsSync(path.join(dir, d.name, f))))
    .map((d) => path.join(dir, d.name))
    .sort()
}

/** Every backbone: the bundled ones, then the models folder's (which replace bundled ones of the same name). */
export function listBackboneEntries(folders: BackboneFolders): BackboneEntry[] {
  const user = backboneDirs(folders.user).map((f) => checkBackbone(f, 'models-folder'))
  const mine = new Set(user.map((e) => e.name))
  const bundled = backboneDirs(folders.bundled)
    .filter((f) => !mine.has(path.basename(f)))
    .map((f) => checkBackbone(f, 'bundled'))
  return [...bundled, ...user]
}

/** The usable backbone of that name. NotFoundError, or BackboneError with the reason it is refused. */
export function locateBackbone(folders: BackboneFolders, name: string): BackboneEntry {
  const entries = listBackboneEntries(folders)
  const entry = entries.find((e) => e.name === name)
  if (!entry) {
    const have = entries.filter((e) => !e.problem).map((e) => e.name)
    throw new NotFoundError(
      `backbone ${JSON.stringify(name)} not found in the models folder ${folders.user} or Studio's own backbones` +
        (have.length ? ` (available: ${have.join(', ')})` : ''),
    )
  }
  if (entry.problem) throw new BackboneError(`backbone ${name} (${entry.folder}) cannot be used: ${entry.problem}`)
  return entry
}

/** The name used when no backbone is usable (runs then fail naming it). */
export const FALLBACK_BACKBONE = 'mobilenet_v1_0.75_224'

/** The best usable backbone: highest ImageNet top-1, a bundled one first on a tie; then by name. */
export function defaultBackbone(entries: readonly BackboneEntry[]): string {
  const usable = entries.filter((e) => !e.problem && e.spec)
  const top1 = (e: BackboneEntry) => e.spec?.imagenetTop1 ?? -1
  usable.sort(
    (a, b) =>
      top1(b) - top1(a) ||
      Number(b.origin === 'bundled') - Number(a.origin === 'bundled') ||
      (a.name < b.name ? -1 : 1),
  )
  return usable[0]?.name ?? FALLBACK_BACKBONE
}

/** A listed backbone as the Train form shows it. */
export function backboneDto(e: BackboneEntry): BackboneDto {
  const m = e.spec?.manifest
  return {
    name: e.name,
    title: e.spec?.title ?? e.name,
    origin: e.origin,
    problem: e.problem,
    inputSize: e.spec?.inputSize ?? null,
    featureSize: e.spec?.featureSize ?? null,
    parameters: m?.parameters ?? null,
    bytes: e.bytes,
    imagesPerSecond: m?.speed?.imagesPerSecond ?? null,
    speedMeasured: m?.speed?.measured ?? null,
    license: m?.license ?? null,
    // As the transfer preset decides its class-scores default (presets/transfer.ts): not for graph models.
    classifier: Boolean(m?.classifier) && !e.spec?.output,
  }
}
