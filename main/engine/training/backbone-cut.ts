import fs from 'node:fs'
import path from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { StudioError } from '../errors'
import { sha256File } from './backbone-files'
import { MANIFEST, manifestSchema, type BackboneManifest } from './backbone-manifest'
import { loadModel } from './model-io'

/** [layer, node index, tensor index, kwargs?], as Keras and TF.js write a layer's inputs. */
type InboundRef = [string, number, number, ...unknown[]]

interface LayerJson {
  name?: string
  config?: { name?: string }
  inbound_nodes?: InboundRef[][]
}

interface ModelJson {
  modelTopology: { model_config?: { config: GraphConfig }; config?: GraphConfig }
  weightsManifest: { paths: string[]; weights: { name: string }[] }[]
  [key: string]: unknown
}

interface GraphConfig {
  layers: LayerJson[]
  output_layers: unknown[]
  [key: string]: unknown
}

const nameOf = (l: LayerJson) => String(l.name ?? l.config?.name)

/**
 * Cuts a TF.js layers-model folder at a layer: model.json keeps only the layers that layer depends
 * on, with it as the output, and only their weight groups, whose files are copied byte for byte (so
 * each keeps the SHA-256 its source lists). Used once per bundled backbone (scripts/bundle-backbone.mjs)
 * to leave the ImageNet classifier out. Returns the files written.
 */
export function cutLayersFolder(source: string, dest: string, cut: string): string[] {
  const json = JSON.parse(fs.readFileSync(path.join(source, 'model.json'), 'utf8')) as ModelJson
  const graph = json.modelTopology.model_config?.config ?? json.modelTopology.config
  if (!graph || !Array.isArray(graph.layers)) throw new StudioError(`${source}/model.json is not a functional model`)
  const byName = new Map(graph.layers.map((l) => [nameOf(l), l]))
  if (!byName.has(cut)) throw new StudioError(`${source}/model.json has no layer ${JSON.stringify(cut)}`)
  const keep = new Set<string>()
  const visit = (name: string) => {
    if (keep.has(name)) return
    keep.add(name)
    for (const node of byName.get(name)?.inbound_nodes ?? []) for (const ref of node) visit(ref[0])
  }
  visit(cut)
  graph.layers = graph.layers.filter((l) => keep.has(nameOf(l)))
  graph.output_layers = [[cut, 0, 0]]
  // A Keras weight is named <layer>/<variable>: a group goes or stays with its layers.
  json.weightsManifest = json.weightsManifest.filter((g) => {
    const kept = g.weights.map((w) => keep.has(w.name.split('/')[0]!))
    if (kept.some((k) => k !== kept[0])) throw new StudioError(`weight group ${g.paths.join(', ')} spans the cut`)
    return kept[0] ?? false
  })
  fs.mkdirSync(dest, { recursive: true })
  const files = json.weightsManifest.flatMap((g) => g.paths)
  for (const f of files) fs.copyFileSync(path.join(source, f), path.join(dest, f))
  fs.writeFileSync(path.join(dest, 'model.json'), JSON.stringify(json))
  return ['model.json', ...files]
}

/** The file name a bundled backbone's classifier is stored under (backbone.json's classifier). */
export const CLASSIFIER_FILE = 'classifier.bin'

/**
 * Copies the weight file of a layers model's classifier `layer` (a 1×1 convolution or dense layer on
 * the pooled features: its kernel, then its bias, alone in one weight group) byte for byte as
 * classifier.bin, the layout backbone.json's classifier describes. Returns its class count.
 */
export function copyClassifier(source: string, dest: string, layer: string): { file: string; classes: number } {
  const json = JSON.parse(fs.readFileSync(path.join(source, 'model.json'), 'utf8')) as ModelJson
  const group = json.weightsManifest.find((g) => g.weights.some((w) => w.name.split('/')[0] === layer))
  const [kernel, bias] = group?.weights ?? []
  const shape = (kernel as { shape?: number[] } | undefined)?.shape ?? []
  const classes = shape.at(-1) ?? 0
  if (
    !group ||
    group.paths.length !== 1 ||
    group.weights.length !== 2 ||
    kernel!.name !== `${layer}/kernel` ||
    bias!.name !== `${layer}/bias` ||
    shape.slice(0, -2).some((d) => d !== 1)
  )
    throw new StudioError(`${source}/model.json has no weight group of ${layer}'s kernel and bias alone`)
  fs.copyFileSync(path.join(source, group.paths[0]!), path.join(dest, CLASSIFIER_FILE))
  return { file: CLASSIFIER_FILE, classes }
}

/** What scripts/bundle-backbone.mjs is told about a backbone. */
export interface BundleOptions {
  source: string
  dest: string
  cut: string
  title: string
  scaling: BackboneManifest['scaling']
  imagenetTop1?: number
  sourceText: string
  license: string
  /** The layer of the network's own classifier to ship as classifier.bin (e.g. conv_preds); absent: none. */
  classifier?: string
}

/**
 * Writes the cut model and its backbone.json (sizes, parameters, hashes), after checking that the
 * cut model's output equals the full model's cut layer on random input. A speed already recorded in
 * an earlier backbone.json is kept.
 */
export async function bundleBackbone(o: BundleOptions): Promise<{ manifest: BackboneManifest; maxDiff: number }> {
  const previous = fs.existsSync(path.join(o.dest, 'model.json')) ? readModelFiles(o.dest) : []
  for (const f of previous) fs.rmSync(path.join(o.dest, f), { force: true })
  const files = cutLayersFolder(o.source, o.dest, o.cut)
  fs.rmSync(path.join(o.dest, CLASSIFIER_FILE), { force: true })
  const classifier = o.classifier ? { ...copyClassifier(o.source, o.dest, o.classifier), layer: o.classifier } : null
  const full = await loadModel(o.source)
  const cutModel = await loadModel(o.dest)
  const reference = tf.model({ inputs: full.inputs, outputs: full.getLayer(o.cut).output })
  const [, size] = cutModel.inputs[0]!.shape
  const maxDiff = tf.tidy(() => {
    const x = tf.randomUniform([2, size!, size!, 3], -1, 1, 'float32', 7)
    const a = reference.predict(x) as tf.Tensor
    const b = cutModel.predict(x) as tf.Tensor
    return a.sub(b).abs().max().dataSync()[0]!
  })
  const featureSize = cutModel.outputs[0]!.shape.at(-1)!
  const parameters = cutModel.countParams()
  full.dispose()
  cutModel.dispose()
  if (maxDiff > 1e-6) throw new StudioError(`the cut model's output differs from the full model's by ${maxDiff}`)
  const old = fs.existsSync(path.join(o.dest, MANIFEST))
    ? (JSON.parse(fs.readFileSync(path.join(o.dest, MANIFEST), 'utf8')) as Partial<BackboneManifest>)
    : {}
  const manifest = manifestSchema.parse({
    name: path.basename(o.dest),
    title: o.title,
    inputSize: size,
    scaling: o.scaling,
    cutLayer: o.cut,
    featureSize,
    parameters,
    bytes: files.reduce((s, f) => s + fs.statSync(path.join(o.dest, f)).size, 0),
    ...(o.imagenetTop1 === undefined ? {} : { imagenetTop1: o.imagenetTop1 }),
    ...(old.speed ? { speed: old.speed } : {}),
    ...(old.trainSize ? { trainSize: old.trainSize } : {}),
    ...(classifier ? { classifier } : {}),
    source: o.sourceText,
    license: o.license,
    sha256: Object.fromEntries(
      [...files, ...(classifier ? [classifier.file] : [])].map((f) => [f, sha256File(path.join(o.dest, f))]),
    ),
  })
  writeManifest(o.dest, manifest)
  return { manifest, maxDiff }
}

export function writeManifest(folder: string, manifest: BackboneManifest): void {
  fs.writeFileSync(path.join(folder, MANIFEST), JSON.stringify(manifest, null, 2) + '\n')
}

function readModelFiles(folder: string): string[] {
  const json = JSON.parse(fs.readFileSync(path.join(folder, 'model.json'), 'utf8')) as ModelJson
  return ['model.json', ...json.weightsManifest.flatMap((g) => g.paths)]
}
