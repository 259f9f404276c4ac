/** The `predict.mjs` shipped with every export: plain Node, no Studio, no native TensorFlow. */
export const PREDICT_MJS = `#!/usr/bin/env node
// Classify images with this exported Studio model.
//   npm install            (installs @tensorflow/tfjs and sharp, see package.json)
//   node predict.mjs photo.jpg [more.jpg ...]
// The model loads with @tensorflow/tfjs alone (pure JavaScript, no native TensorFlow); sharp decodes
// the images exactly as Studio did (EXIF orientation, resize, fit), so results match Studio's.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import * as tf from '@tensorflow/tfjs'
import sharp from 'sharp'

const here = path.dirname(fileURLToPath(import.meta.url))
const read = (f) => fs.readFileSync(path.join(here, f))
const pre = JSON.parse(read('preprocessing.json'))
const labels = JSON.parse(read('labels.json'))

/** model.json + its weight shards, from a folder of this export, as TF.js artifacts. */
function artifacts(folder) {
  const m = JSON.parse(read(path.join(folder, 'model.json')))
  const shards = m.weightsManifest.flatMap((g) => g.paths.map((p) => read(path.join(folder, p))))
  const weightData = new Uint8Array(shards.reduce((n, b) => n + b.length, 0))
  shards.reduce((off, b) => (weightData.set(b, off), off + b.length), 0)
  return { modelTopology: m.modelTopology, weightSpecs: m.weightsManifest.flatMap((g) => g.weights), weightData: weightData.buffer }
}
const model = await tf.loadLayersModel(tf.io.fromMemory(artifacts('.')))
// A graph-model backbone (if any) turns the image into the features the model above classifies.
const backbone = pre.backbone ? await tf.loadGraphModel(tf.io.fromMemory(artifacts(pre.backbone.folder))) : null

export async function classify(file) {
  const s = pre.inputSize
  const raw = await sharp(file, { failOn: 'none' })
    .rotate()
    .resize(s, s, { fit: pre.fit, background: { r: 0, g: 0, b: 0 } })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer()
  const probs = tf.tidy(() => {
    const x = tf.tensor4d(raw, [1, s, s, 3], 'int32')
    const scaled = pre.scaling === 'unit' ? x.div(255) : x.div(127.5).sub(1)
    const input = backbone ? backbone.execute(scaled, pre.backbone.output).reshape([1, -1]) : scaled
    return model.predict(input).dataSync()
  })
  let best = 0
  for (let i = 1; i < probs.length; i++) if (probs[i] > probs[best]) best = i
  return { file, label: labels[best], confidence: probs[best], probabilities: Object.fromEntries(labels.map((l, i) => [l, probs[i]])) }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv.length < 3) {
    console.error('usage: node predict.mjs <image> [image ...]')
    process.exit(2)
  }
  for (const file of process.argv.slice(2)) console.log(JSON.stringify(await classify(file)))
}
`
