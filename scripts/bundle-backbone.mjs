#!/usr/bin/env node
// One-time step that made resources/models/<name>/: a TF.js layers model cut at its feature layer
// (the ImageNet classifier ships beside it as classifier.bin with --classifier), with its backbone.json (sizes, parameters,
// SHA-256 of every file). It checks that the cut model's output equals the full model's cut layer.
// Attribution (LICENSE, SOURCE.md) is written by hand beside it.
//
//   node scripts/bundle-backbone.mjs <source folder> <resources/models/name> --cut conv_pw_13_relu \
//     --title "MobileNet v1 0.75" --scaling x/127.5-1 --top1 0.684 --source "<where from>" [--measure]
//
// --classifier <layer> also ships that layer's weights (the ImageNet classifier, e.g. conv_preds) as
// classifier.bin, byte for byte, for the transfer preset's class scores (class-scores.ts).
// --measure also records the feature extraction speed (wasm backend, batch 32, this machine's cores).
// The weights of the MobileNets in resources/models came from ../shared/models (see their SOURCE.md):
//   node scripts/bundle-backbone.mjs ../shared/models/mobilenet_v1_0.75_224 resources/models/mobilenet_v1_0.75_224 …
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { register } from 'tsx/esm/api'

register()
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    cut: { type: 'string' },
    title: { type: 'string' },
    scaling: { type: 'string', default: 'x/127.5-1' },
    top1: { type: 'string' },
    source: { type: 'string' },
    license: { type: 'string', default: 'Apache-2.0' },
    measure: { type: 'boolean', default: false },
    'train-size': { type: 'string' },
    classifier: { type: 'string' },
  },
})
const [source, dest] = positionals
if (!source || !dest || !values.cut || !values.title || !values.source) {
  console.error('usage: bundle-backbone.mjs <source> <dest> --cut <layer> --title <text> --source <text> [options]')
  process.exit(2)
}

const { selectBackend } = await import('../main/engine/training/backend.ts')
const { bundleBackbone, writeManifest } = await import('../main/engine/training/backbone-cut.ts')
const { loadBackbone } = await import('../main/engine/training/transfer.ts')
const tf = await import('@tensorflow/tfjs')

await selectBackend('wasm')
const { manifest, maxDiff } = await bundleBackbone({
  source: path.resolve(source),
  dest: path.resolve(dest),
  cut: values.cut,
  title: values.title,
  scaling: values.scaling === 'x/255' ? 'x/255' : 'x/127.5-1',
  imagenetTop1: values.top1 === undefined ? undefined : Number(values.top1),
  sourceText: values.source,
  license: values.license,
  classifier: values.classifier,
})
if (values['train-size']) {
  // The transfer preset's default input side (the network is convolutional up to the cut).
  manifest.trainSize = Number(values['train-size'])
  writeManifest(path.resolve(dest), manifest)
}
console.log(
  `${manifest.name}: ${manifest.featureSize} features, ${manifest.parameters} parameters, ` +
    `${manifest.bytes} bytes; largest difference from the full model ${maxDiff}`,
)

if (values.measure) {
  const backbone = await loadBackbone(path.dirname(path.resolve(dest)), manifest.name, { complete: true })
  const batch = 32
  const x = tf.randomUniform([batch, manifest.inputSize, manifest.inputSize, 3], -1, 1)
  tf.tidy(() => backbone.features(x).dataSync()) // warm-up: kernels compile, buffers grow
  // Extraction runs on this one thread: its CPU time is what it costs, whatever else the machine runs
  // (a shared machine's wall clock says more about the neighbours). On an idle machine the two agree.
  const rounds = 5
  const t0 = performance.now()
  const cpu0 = process.cpuUsage()
  for (let i = 0; i < rounds; i++) tf.tidy(() => backbone.features(x).dataSync())
  const cpu = process.cpuUsage(cpu0)
  const wall = (performance.now() - t0) / 1000
  const perCpuSecond = (rounds * batch) / ((cpu.user + cpu.system) / 1e6)
  x.dispose()
  backbone.dispose()
  manifest.speed = {
    imagesPerSecond: Math.round(perCpuSecond),
    measured:
      'feature extraction without decoding, per second of CPU time of the one thread it runs on: ' +
      `${tf.getBackend()} backend, batch ${batch}, ${backbone.path}, ${os.cpus()[0]?.model ?? 'unknown CPU'}`,
  }
  console.log(`wall clock here: ${((rounds * batch) / wall).toFixed(1)} images/s`)
  writeManifest(path.resolve(dest), manifest)
  console.log(`${manifest.name}: ${manifest.speed.imagesPerSecond} images/s (${manifest.speed.measured})`)
}
