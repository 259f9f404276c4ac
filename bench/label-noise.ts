/**
 * bench/label-noise: how well does Studio's label check find wrong labels? Known random 10 % and
 * 20 % of a labeled set are flipped (uniformly to another class), the check runs exactly as
 * `studio suspects` does (backbone features, 5-fold softmax head, confident learning), and its
 * suspects are scored against the flips: precision, recall, F1. The baseline in the same run is
 * "the cross-validated model disagrees with the label" on the same probabilities.
 *
 * Sets: hymenoptera (../shared/data, 398 photos, 2 classes) with each MobileNet in
 * ../shared/models; a 10,000-image Fashion-MNIST subset (apt-get install -y dataset-fashion-mnist)
 * written as PNG class folders and imported.
 *
 *   npm run bench:label-noise [-- --sets hymenoptera,fashion --fashion-n 10000]
 *
 * Last line: f1_at_20=<lowest F1 at 20 % noise over the sets, with the backbone the check picks by default>.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import sharp from 'sharp'
import { disagreements } from '../main/engine/quality/confident-learning'
import { chooseCheckBackbone, labelCheck, type CheckItem } from '../main/engine/quality/label-check'
import { mixSeed, rng, shuffle } from '../main/engine/random'
import { Studio } from '../main/engine/studio'
import { FASHION_CLASSES, loadFashion } from './lib/fashion'

const arg = (name: string, d: string) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? process.argv[i + 1]! : d
}
const sets = arg('sets', 'hymenoptera,fashion').split(',')
const fashionN = Number(arg('fashion-n', '10000'))
const shared = path.resolve(import.meta.dirname, '../../shared')
const models = process.env.STUDIO_MODELS_DIR ?? path.join(shared, 'models')
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'studio-noise-'))
const f1s: number[] = []

interface Scores {
  precision: number
  recall: number
  f1: number
  flagged: number
}
function score(found: number[], truth: Set<number>): Scores {
  const tp = found.filter((i) => truth.has(i)).length
  const precision = found.length ? tp / found.length : 0
  const recall = truth.size ? tp / truth.size : 0
  return {
    precision,
    recall,
    f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0,
    flagged: found.length,
  }
}
const fmt = (s: Scores) =>
  `P ${s.precision.toFixed(3)} R ${s.recall.toFixed(3)} F1 ${s.f1.toFixed(3)} (${s.flagged} flagged)`

/** Imports `source` into a fresh project and returns it with its labeled images as check items. */
async function project(name: string, source: string) {
  const studio = Studio.init(path.join(work, name))
  const t0 = performance.now()
  const s = await studio.import(source)
  console.log(`${name}: imported ${s.imported} images in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
  const classes = studio.labels.classes().map((c) => c.id)
  const items: CheckItem[] = studio.store.datasets.labeledImages().map((l) => {
    const img = studio.store.images.get(l.imageId)!
    return { imageId: l.imageId, hash: img.hash, ext: img.ext, classIndex: classes.indexOf(l.classId) }
  })
  return { studio, items, k: classes.length }
}

async function measure(name: string, source: string, backbones: string[]) {
  const { studio, items, k } = await project(name, source)
  for (const backbone of backbones) {
    for (const rate of [0.1, 0.2]) {
      const r = rng(mixSeed(2026, Math.round(rate * 100)))
      const flipped = new Set(
        shuffle(
          items.map((_, i) => i),
          r,
        ).slice(0, Math.round(rate * items.length)),
      )
      const noisy = items.map((it, i) =>
        flipped.has(i) ? { ...it, classIndex: (it.classIndex + 1 + Math.floor(r() * (k - 1))) % k } : it,
      )
      const t0 = performance.now()
      const result = await labelCheck(studio.project.paths, noisy, k, { backbone, modelsDir: models })
      const secs = (performance.now() - t0) / 1000
      const index = new Map(noisy.map((it, i) => [it.imageId, i]))
      const cl = score(
        result.checked.filter((c) => c.issue).map((c) => index.get(c.imageId)!),
        flipped,
      )
      const base = score(
        disagreements(
          result.checked.map((c) => c.firstPass),
          result.checked.map((c) => c.classIndex),
        ).map((d) => index.get(result.checked[d.index]!.imageId)!),
        flipped,
      )
      console.log(
        `${name} ${backbone} noise ${rate * 100} %: label check ${fmt(cl)} | baseline (model disagrees) ${fmt(base)} | ${secs.toFixed(1)} s`,
      )
      if (rate === 0.2 && backbone === chooseCheckBackbone(models)) f1s.push(cl.f1)
    }
  }
  studio.close()
}

async function fashionFolder(n: number): Promise<string> {
  const { train } = loadFashion()
  const dir = path.join(work, 'fashion-src')
  const rows = shuffle(
    Array.from({ length: 60_000 }, (_, i) => i),
    rng(5),
  ).slice(0, n)
  for (const c of FASHION_CLASSES) fs.mkdirSync(path.join(dir, c), { recursive: true })
  const t0 = performance.now()
  for (let s = 0; s < rows.length; s += 64) {
    await Promise.all(
      rows.slice(s, s + 64).map((r) =>
        sharp(Buffer.from(train.pixels.subarray(r * 784, (r + 1) * 784)), {
          raw: { width: 28, height: 28, channels: 1 },
        })
          .png()
          .toFile(path.join(dir, FASHION_CLASSES[train.labels[r]!]!, `${r}.png`)),
      ),
    )
  }
  console.log(`fashion: wrote ${n} PNGs in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
  return dir
}

try {
  const have = ['mobilenet_v1_0.25_224', 'mobilenet_v1_0.75_224'].filter((b) =>
    fs.existsSync(path.join(models, b, 'model.json')),
  )
  if (!have.length) throw new Error(`no MobileNet in ${models}`)
  if (sets.includes('hymenoptera')) {
    const src = path.join(shared, 'data', 'hymenoptera')
    if (fs.existsSync(src)) await measure('hymenoptera', src, have)
    else console.log(`hymenoptera skipped: ${src} is missing`)
  }
  if (sets.includes('fashion'))
    await measure(`fashion-${fashionN}`, await fashionFolder(fashionN), [chooseCheckBackbone(models)])
  console.log(
    `resources: one Node process on ${os.availableParallelism()} cores (features and the cross-validated head on ` +
      'TF.js in this thread); the baseline reads the same cross-validated probabilities (no compute of its own)',
  )
  console.log(`f1_at_20=${Math.min(...f1s).toFixed(3)}`)
} finally {
  fs.rmSync(work, { recursive: true, force: true })
}
