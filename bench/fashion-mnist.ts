/**
 * bench/fashion-mnist: Studio's seed CNN (28×28 input) trained by Studio's own trainer on
 * Fashion-MNIST (apt-get install -y dataset-fashion-mnist). Reports test accuracy and minutes.
 *
 *   npm run bench:fashion [-- --epochs 5 --batch 64 --lr 0.001 --limit 70000]
 *     [--dropout 0.25,0.5 --label-smoothing 0.1 --schedule cosine --warmup-epochs 1 --weight-decay 0.05
 *      --crop-pad 2 --flip]   (the recipe, as `studio train` takes it; default: the preset's)
 *
 * The 70,000 IDX images enter the project as image rows whose decoded pixels are placed in the
 * project's pixel cache (grey replicated to RGB) — exactly what an import followed by the first
 * decode produces — so the run measures training, not PNG encoding. Splits come from the set:
 * 54,000 train / 6,000 val (the last 6,000 of its training file) / 10,000 test.
 */
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { gunzipSync } from 'node:zlib'
import { Studio } from '../main/engine/studio'
import { startTraining } from '../main/engine/training/runner'
import { trainResult } from '../main/cli/commands/train'
import { recipeFrom } from '../main/cli/commands/train-recipe'

const arg = (name: string, d: number) => Number(process.argv[process.argv.indexOf(`--${name}`) + 1] || d) || d
const epochs = arg('epochs', 5)
const limit = arg('limit', 70_000)
const batchSize = arg('batch', 64)
const learningRate = arg('lr', 0.001)
const text = (name: string) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? process.argv[i + 1] : undefined
}
const num = (name: string) => (text(name) === undefined ? undefined : Number(text(name)))
const recipe = recipeFrom({
  dropout: text('dropout'),
  labelSmoothing: num('label-smoothing'),
  schedule: text('schedule'),
  warmupEpochs: num('warmup-epochs'),
  weightDecay: num('weight-decay'),
  cropPad: num('crop-pad'),
  flip: process.argv.includes('--flip') ? true : undefined,
})
const src = '/usr/share/datasets/fashion-mnist'
const NAMES = ['t-shirt', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'ankle-boot']

function idx(file: string): Buffer {
  return gunzipSync(fs.readFileSync(path.join(src, file)))
}
if (!fs.existsSync(src)) {
  console.error(`${src} is missing: apt-get install -y dataset-fashion-mnist`)
  process.exit(1)
}
const trainX = idx('train-images-idx3-ubyte.gz').subarray(16)
const trainY = idx('train-labels-idx1-ubyte.gz').subarray(8)
const testX = idx('t10k-images-idx3-ubyte.gz').subarray(16)
const testY = idx('t10k-labels-idx1-ubyte.gz').subarray(8)
const all = [
  ...Array.from(trainY, (y, i) => ({
    px: trainX.subarray(i * 784, (i + 1) * 784),
    y,
    origin: i < 54_000 ? 'train' : 'val',
  })),
  ...Array.from(testY, (y, i) => ({ px: testX.subarray(i * 784, (i + 1) * 784), y, origin: 'test' })),
].filter((_, i) => i < limit || i >= 60_000)

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'studio-fmnist-'))
const studio = Studio.init(dir)
const t0 = performance.now()
const classIds = NAMES.map((n) => studio.labels.ensureClass(n).id)
const cache = path.join(dir, 'cache', 'px-28-cover')
const at = new Date().toISOString()
studio.store.tx(() => {
  all.forEach((img, i) => {
    const rgb = Buffer.alloc(784 * 3)
    for (let p = 0; p < 784; p++) rgb[p * 3] = rgb[p * 3 + 1] = rgb[p * 3 + 2] = img.px[p]!
    const hash = createHash('sha256').update(rgb).update(String(i)).digest('hex')
    fs.mkdirSync(path.join(cache, hash.slice(0, 2)), { recursive: true })
    fs.writeFileSync(path.join(cache, hash.slice(0, 2), `${hash}.rgb`), rgb)
    const id = studio.store.images.insert({
      hash,
      originalName: `${img.origin}-${i}.png`,
      relPath: `${img.origin}/${i}.png`,
      ext: '.png',
      format: 'png',
      width: 28,
      height: 28,
      bytes: 784,
      origin: img.origin,
      batchId: null,
      importedAt: at,
    })
    studio.labels.importLabel(id, classIds[img.y]!, at)
  })
})
console.log(`prepared ${all.length} images in ${((performance.now() - t0) / 1000).toFixed(1)} s (${dir})`)

const t1 = performance.now()
let lastLog = 0
const handle = startTraining(
  studio,
  { inputSize: 28, epochs, batchSize, learningRate, useOriginSplits: true, patience: null, ...recipe },
  (e) => {
    if (e.type === 'start')
      console.log(`training on ${e.trainCount} (val ${e.valCount}), backend ${e.backend} (${e.backendReason})`)
    if (e.type === 'batch' && Date.now() - lastLog > 15_000) {
      lastLog = Date.now()
      console.log(
        `  epoch ${e.epoch} batch ${e.batch}/${e.batches} loss ${e.loss.toFixed(3)} ${e.imagesPerSec.toFixed(0)} img/s ETA ${Math.round(e.etaSeconds)} s`,
      )
    }
    if (e.type === 'epoch')
      console.log(
        `epoch ${e.epoch}: loss ${e.loss.toFixed(4)} acc ${(e.accuracy * 100).toFixed(2)} % val acc ${((e.valAccuracy ?? 0) * 100).toFixed(2)} % (${e.seconds.toFixed(0)} s, ${e.imagesPerSec.toFixed(0)} img/s)`,
      )
  },
)
// Peak resident memory of the training process (its worker threads included): the kernel's
// high-water mark, read until the process ends.
let peakKb = 0
const poll = setInterval(() => {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${handle.pid}/status`, 'utf8'))
    if (m) peakKb = Math.max(peakKb, Number(m[1]))
  } catch {
    // the process has ended
  }
}, 500)
const status = await handle.done
clearInterval(poll)
const minutes = (performance.now() - t1) / 60_000
const run = studio.store.runs.get(handle.runId)!
const r = trainResult(studio, run)
console.log(`status ${status}${run.error ? `: ${run.error}` : ''}`)
console.log(`epochs=${epochs} batch=${batchSize} lr=${learningRate} recipe=${JSON.stringify(recipe)}`)
console.log(`training process peak RSS ${(peakKb / 1024).toFixed(0)} MB (goal < 1536 MB); ${run.backendReason}`)
console.log(
  `test_accuracy=${r.test_accuracy?.toFixed(4)} macro_f1=${r.macro_f1?.toFixed(4)} minutes=${minutes.toFixed(2)} backend=${run.backend} peak_rss_mb=${(peakKb / 1024).toFixed(0)}`,
)
studio.close()
fs.rmSync(dir, { recursive: true, force: true })
