#!/usr/bin/env node
// @ts-check
// Classify images with this exported Studio model.
//   npm install            (installs @tensorflow/tfjs and sharp, see package.json)
//   node predict.mjs photo.jpg [more.jpg ...]
//   node predict.mjs --model tfjs-uint8 photo.jpg    (a quantized copy, where the export has one)
//   node predict.mjs --model model.onnx photo.jpg    (the ONNX model: npm install onnxruntime-node first,
//                                                    or onnxruntime-web, which is WebAssembly only)
// The model loads with @tensorflow/tfjs alone (pure JavaScript, no native TensorFlow); sharp decodes
// the images exactly as Studio did (EXIF orientation, resize, fit), so results match Studio's.
// model.json is one layers model taking the scaled image (for a transfer run: backbone and head merged),
// except after a graph-model backbone, which stays a separate model in backbone/ and runs first.
//
// Studio copies this file unchanged into every export; in Studio's repository it is type-checked
// (resources/tsconfig.json) against the same @tensorflow/tfjs and sharp that the export's package.json names.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import * as tf from '@tensorflow/tfjs'
import sharp from 'sharp'

/**
 * What preprocessing.json says: how Studio turned an image into the model's input (the fields this
 * script reads; Studio writes the file from `Preprocessing` in main/engine/runs/preprocessing.ts).
 * @typedef {object} Preprocessing
 * @property {number} inputSize side of the square input, in pixels
 * @property {'cover' | 'contain'} fit cover: fill the square and crop; contain: fit inside, pad with black
 * @property {'unit' | 'symmetric'} scaling unit: x / 255; symmetric: x / 127.5 - 1
 * @property {{ format: 'graph', folder: string, output: string } | null} backbone a graph model (in `folder`)
 *   whose node `output` turns the image into the features the layers model classifies; null: none
 * @property {{ file: string, input: { name: string, layout: 'NHWC' | 'NCHW' }, output: { name: string } }} [onnx]
 *   model.onnx's input and output tensors, where the export has one
 * @property {'flip' | null} [tta] 'flip': the probabilities are the mean of the image's and its left-right
 *   mirror image's (test-time augmentation, chosen when it helped on the val split); absent or null: one pass
 */

/**
 * One image's result, printed as one JSON line.
 * @typedef {object} Classification
 * @property {string} file
 * @property {string} label the most probable class
 * @property {number} confidence its probability
 * @property {Record<string, number>} probabilities every class's probability
 */

/**
 * The subset of model.json this script reads.
 * @typedef {{ modelTopology: object, weightsManifest: { paths: string[], weights: tf.io.WeightsManifestEntry[] }[] }} ModelJson
 */

const isMain = !!process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)
const args = isMain ? process.argv.slice(2) : []
// --model <folder>: the model folder of this export to use (default: this folder), or model.onnx.
const modelFolder = args[0] === '--model' ? (args[1] ?? '') : '.'
const images = args[0] === '--model' ? args.slice(2) : args
// Before the model loads, so a wrong call is answered at once.
if (isMain && (!images.length || !modelFolder)) {
  console.error(
    'usage: node predict.mjs <image> [image ...]\n       node predict.mjs --model <folder|model.onnx> <image> [image ...]',
  )
  process.exit(2)
}

const here = path.dirname(fileURLToPath(import.meta.url))
/** @param {string} file a path inside this export */
const read = (file) => fs.readFileSync(path.join(here, file))
const pre = /** @type {Preprocessing} */ (JSON.parse(read('preprocessing.json').toString('utf8')))
const labels = /** @type {string[]} */ (JSON.parse(read('labels.json').toString('utf8')))

/**
 * model.json + its weight shards, from a folder of this export, as TF.js artifacts.
 * @param {string} folder
 * @returns {tf.io.ModelArtifacts}
 */
function artifacts(folder) {
  const m = /** @type {ModelJson} */ (JSON.parse(read(path.join(folder, 'model.json')).toString('utf8')))
  const shards = m.weightsManifest.flatMap((g) => g.paths.map((p) => read(path.join(folder, p))))
  const weightData = new Uint8Array(shards.reduce((n, b) => n + b.length, 0))
  let offset = 0
  for (const shard of shards) {
    weightData.set(shard, offset)
    offset += shard.length
  }
  return {
    modelTopology: m.modelTopology,
    weightSpecs: m.weightsManifest.flatMap((g) => g.weights),
    weightData: weightData.buffer,
  }
}

/**
 * onnxruntime-node (native), else onnxruntime-web (WebAssembly; it runs in Node too): whichever is installed.
 * @returns {Promise<{ ort: typeof import('onnxruntime-common'), name: string }>}
 */
async function loadOrt() {
  for (const name of ['onnxruntime-node', 'onnxruntime-web']) {
    try {
      return { ort: /** @type {typeof import('onnxruntime-common')} */ (await import(name)), name }
    } catch {
      // not installed: try the next one
    }
  }
  console.error('model.onnx needs onnxruntime: npm install onnxruntime-node (or onnxruntime-web)')
  process.exit(3)
}

const onnxFile = modelFolder.endsWith('.onnx') ? modelFolder : null
if (onnxFile && !pre.onnx) throw new Error('preprocessing.json does not describe model.onnx (no "onnx" field)')
const onnx = onnxFile ? await loadOrt() : null
const session = onnx ? await onnx.ort.InferenceSession.create(read(onnxFile ?? '')) : null
const model = onnxFile ? null : await tf.loadLayersModel(tf.io.fromMemory(artifacts(modelFolder)))
// A graph-model backbone (if any) turns the image into the features the model above classifies.
const backbone =
  pre.backbone && !onnxFile
    ? await tf.loadGraphModel(tf.io.fromMemory(artifacts(path.join(modelFolder, pre.backbone.folder))))
    : null

/**
 * Probabilities from model.onnx: the image (and its mirror image, with test-time augmentation) scaled
 * as preprocessing.json says, in the layout its "onnx" field states.
 * @param {Buffer} raw s × s RGB pixels
 * @returns {Promise<Float32Array>}
 */
async function onnxProbs(raw) {
  if (!onnx || !session || !pre.onnx) throw new Error('no ONNX model loaded')
  const s = pre.inputSize
  const io = pre.onnx
  const n = pre.tta === 'flip' ? 2 : 1
  const x = new Float32Array(n * s * s * 3)
  for (let k = 0; k < n; k++)
    for (let y = 0; y < s; y++)
      for (let col = 0; col < s; col++)
        for (let c = 0; c < 3; c++) {
          // The second image of the batch is the mirror image: each row read right to left.
          const v = raw[(y * s + (k ? s - 1 - col : col)) * 3 + c] ?? 0
          const at = io.input.layout === 'NCHW' ? ((k * 3 + c) * s + y) * s + col : ((k * s + y) * s + col) * 3 + c
          x[at] = pre.scaling === 'unit' ? v / 255 : v / 127.5 - 1
        }
  const shape = io.input.layout === 'NCHW' ? [n, 3, s, s] : [n, s, s, 3]
  const out = await session.run({ [io.input.name]: new onnx.ort.Tensor('float32', x, shape) })
  const all = /** @type {Float32Array} */ (out[io.output.name]?.data)
  const k = all.length / n
  return all.slice(0, k).map((p, i) => (n === 2 ? (p + (all[k + i] ?? 0)) / 2 : p))
}

/**
 * Classifies one image file.
 * @param {string} file
 * @returns {Promise<Classification>}
 */
export async function classify(file) {
  const s = pre.inputSize
  const raw = await sharp(file, { failOn: 'none' })
    .rotate()
    .resize(s, s, { fit: pre.fit, background: { r: 0, g: 0, b: 0 } })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer()
  const probs = onnxFile
    ? await onnxProbs(raw)
    : tf.tidy(() => {
        const one = tf.tensor4d(raw, [1, s, s, 3], 'int32')
        // With test-time augmentation the image and its mirror image go as one batch of two.
        const x = pre.tta === 'flip' ? tf.concat([one, tf.reverse(one, 2)]) : one
        const scaled = pre.scaling === 'unit' ? x.div(255) : x.div(127.5).sub(1)
        const input =
          backbone && pre.backbone
            ? /** @type {tf.Tensor} */ (backbone.execute(scaled, pre.backbone.output)).reshape([x.shape[0], -1])
            : scaled
        return /** @type {tf.Tensor} */ (/** @type {tf.LayersModel} */ (model).predict(input)).mean(0).dataSync()
      })
  // labels.json lists the model's outputs in order, so the two have the same length.
  const scored = labels.map((label, i) => ({ label, p: probs[i] ?? 0 }))
  const top = scored.reduce((a, b) => (b.p > a.p ? b : a))
  return {
    file,
    label: top.label,
    confidence: top.p,
    probabilities: Object.fromEntries(scored.map((c) => [c.label, c.p])),
  }
}

for (const file of images) console.log(JSON.stringify(await classify(file)))
