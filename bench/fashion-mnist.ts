/**
 * bench/fashion-mnist: Studio's seed CNN trained by Studio's own trainer on Fashion-MNIST
 * (apt-get install -y dataset-fashion-mnist). Reports test accuracy, ECE, images/s and minutes of
 * an ablation of the seed CNN's default recipe (at reduced size), then of the default recipe at
 * full size; the last line is the full-size run's `test_accuracy=<fraction> minutes=<m>`.
 *
 *   npm run bench:fashion [-- --epochs 10 --batch 64 --lr 0.002 --limit 54000 --size 28]
 *     [--dropout 0.25,0.5 --label-smoothing 0.1 --schedule cosine --warmup-epochs 1 --weight-decay 0.05
 *      --same-padding 2 --batch-norm --crop-pad 2 --flip | --no-flip]   (the recipe, as `studio train` takes it; default: the preset's)
 *     [--ablation-limit 3000 --ablation-epochs 10 --ablation-val 500 | --no-ablation | --only-ablation]
 *     [--classic]   (also the classic recipe, all off, at full size: the "before" of the ECE comparison)
 *     [--keep]   (keep the project of the full-size run in the temp folder, for a look at its model afterwards)
 *
 * Epochs, batch size and learning rate default to the seed-cnn preset's (config.ts); the input is
 * the set's own 28 px unless --size says otherwise (what Auto gives these images; the preset then
 * zero-pads its last two convolutions, presets/seed-cnn.ts gridPadding, so a 3×3 grid enters the
 * dense layer instead of 1×1). The
 * 70,000 IDX images enter the project as image rows whose decoded pixels are placed in the
 * project's pixel cache (grey replicated to RGB; at another size than 28 resized bilinearly) — what an import followed by the first decode
 * produces — so the run measures training, not PNG encoding. Splits come from the set: 54,000 train
 * / 6,000 val (the last 6,000 of its training file) / 10,000 test; --limit takes the first N train
 * images (the val split stays whole). The ablation runs on the first --ablation-limit train images
 * and --ablation-val val images, for --ablation-epochs: the full recipe, the classic one (all off),
 * the full recipe less one ingredient at a time, and plus each ingredient it leaves off.
 */
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { gunzipSync } from 'node:zlib'
import { Studio } from '../main/engine/studio'
import { startTraining } from '../main/engine/training/runner'
import { NO_AUGMENT } from '../main/engine/training/augment'
import { withDefaults, type TrainConfig } from '../main/engine/training/config'
import { RECIPE_OFF } from '../main/engine/training/recipe'
import { trainResult } from '../main/cli/commands/train'
import { recipeFrom } from '../main/cli/commands/train-recipe'
import { printResources, trainerBackend, trainerWorkers } from './lib/resources'

const text = (name: string) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? process.argv[i + 1] : undefined
}
const num = (name: string) => (text(name) === undefined ? undefined : Number(text(name)))
const flag = (name: string) => process.argv.includes(`--${name}`)
const size = num('size') ?? 28
const limit = Math.min(54_000, num('limit') ?? 54_000)
const asked: Partial<TrainConfig> = {
  preset: 'seed-cnn',
  inputSize: size,
  useOriginSplits: true,
  patience: null,
  ...(num('epochs') !== undefined && { epochs: num('epochs') }),
  ...(num('batch') !== undefined && { batchSize: num('batch') }),
  ...(num('lr') !== undefined && { learningRate: num('lr') }),
  ...recipeFrom(
    {
      dropout: text('dropout'),
      labelSmoothing: num('label-smoothing'),
      schedule: text('schedule'),
      warmupEpochs: num('warmup-epochs'),
      weightDecay: num('weight-decay'),
      cropPad: num('crop-pad'),
      samePadding: num('same-padding'),
      flip: flag('flip') ? true : flag('no-flip') ? false : undefined,
      batchNorm: flag('batch-norm') || undefined,
    },
    'seed-cnn',
  ),
}
/** The complete config of the default recipe (the preset's, with what the flags set). */
const full = withDefaults(asked)
const ablationLimit = num('ablation-limit') ?? 3000
const ablationEpochs = num('ablation-epochs') ?? 10
const ablationVal = num('ablation-val') ?? 500
const ablation = !flag('no-ablation')
const onlyAblation = flag('only-ablation')

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
const ALL = [
  ...Array.from(trainY, (y, i) => ({
    px: trainX.subarray(i * 784, (i + 1) * 784),
    y,
    origin: i < 54_000 ? 'train' : 'val',
    i,
  })),
  ...Array.from(testY, (y, i) => ({ px: testX.subarray(i * 784, (i + 1) * 784), y, origin: 'test', i: 60_000 + i })),
]

/** A 28×28 grey image as s×s RGB (bilinear, pixel centres aligned). */
function rgbAt(px: Uint8Array, s: number): Buffer {
  const rgb = Buffer.alloc(s * s * 3)
  for (let y = 0; y < s; y++) {
    const fy = Math.min(27, Math.max(0, ((y + 0.5) * 28) / s - 0.5))
    const y0 = Math.floor(fy)
    const y1 = Math.min(27, y0 + 1)
    const wy = fy - y0
    for (let x = 0; x < s; x++) {
      const fx = Math.min(27, Math.max(0, ((x + 0.5) * 28) / s - 0.5))
      const x0 = Math.floor(fx)
      const x1 = Math.min(27, x0 + 1)
      const wx = fx - x0
      const v =
        (px[y0 * 28 + x0]! * (1 - wx) + px[y0 * 28 + x1]! * wx) * (1 - wy) +
        (px[y1 * 28 + x0]! * (1 - wx) + px[y1 * 28 + x1]! * wx) * wy
      const o = (y * s + x) * 3
      rgb[o] = rgb[o + 1] = rgb[o + 2] = Math.round(v)
    }
  }
  return rgb
}

/** A project holding the first `trainCount` train images, the first `valCount` val images and the test split. */
function project(trainCount: number, valCount = 6000): Studio {
  const t0 = performance.now()
  const images = ALL.filter(
    (img) => img.origin === 'test' || (img.origin === 'train' ? img.i < trainCount : img.i < 54_000 + valCount),
  )
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'studio-fmnist-'))
  const studio = Studio.init(dir)
  const classIds = NAMES.map((n) => studio.labels.ensureClass(n).id)
  const cache = path.join(dir, 'cache', `px-${size}-cover`)
  const at = new Date().toISOString()
  studio.store.tx(() => {
    for (const img of images) {
      const rgb = rgbAt(img.px, size)
      const hash = createHash('sha256').update(rgb).update(String(img.i)).digest('hex')
      fs.mkdirSync(path.join(cache, hash.slice(0, 2)), { recursive: true })
      fs.writeFileSync(path.join(cache, hash.slice(0, 2), `${hash}.rgb`), rgb)
      const id = studio.store.images.insert({
        hash,
        originalName: `${img.origin}-${img.i}.png`,
        relPath: `${img.origin}/${img.i}.png`,
        ext: '.png',
        format: 'png',
        width: size,
        height: size,
        bytes: 784,
        origin: img.origin,
        batchId: null,
        importedAt: at,
      })
      studio.labels.importLabel(id, classIds[img.y]!, at)
    }
  })
  const s = ((performance.now() - t0) / 1000).toFixed(1)
  console.log(
    `prepared ${images.length} images (${trainCount} train, ${valCount} val) at ${size} px in ${s} s (${dir})`,
  )
  return studio
}

interface Result {
  name: string
  accuracy: number | null
  ece: number | null
  imagesPerSec: number
  minutes: number
  trainAccuracy: number
  peakMb: number
  status: string
}

/** What the run's summary says about its end: test-time augmentation and temperature (finalize.ts). */
interface Summary {
  ece?: number
  tta?: { used: boolean; reason: string; eval: { plain: { accuracy: number }; tta: { accuracy: number } } | null }
  temperature?: { applied: boolean; value: number }
}

function afterTraining(s: Summary): string {
  const pct = (v: number) => `${(v * 100).toFixed(2)} %`
  const e = s.tta?.eval
  const tta = s.tta
    ? `test-time mirror ${s.tta.used ? 'used' : 'not used'} (${s.tta.reason})` +
      (e ? `; test accuracy plain ${pct(e.plain.accuracy)}, with the mirror ${pct(e.tta.accuracy)}` : '')
    : 'no test-time augmentation record'
  const t = s.temperature
    ? `; temperature ${s.temperature.applied ? s.temperature.value.toFixed(2) : 'not applied'}`
    : ''
  return tta + t
}

async function train(studio: Studio, name: string, config: Partial<TrainConfig>): Promise<Result> {
  const t1 = performance.now()
  let lastLog = 0
  let seen = 0
  let seconds = 0
  let trainAccuracy = 0
  const handle = startTraining(studio, config, (e) => {
    if (e.type === 'start')
      console.log(`[${name}] training on ${e.trainCount} (val ${e.valCount}), ${e.backend} (${e.backendReason})`)
    if (e.type === 'batch' && Date.now() - lastLog > 30_000) {
      lastLog = Date.now()
      console.log(
        `  epoch ${e.epoch} batch ${e.batch}/${e.batches} loss ${e.loss.toFixed(3)} ${e.imagesPerSec.toFixed(0)} img/s ETA ${Math.round(e.etaSeconds)} s`,
      )
    }
    if (e.type === 'epoch') {
      seen += e.imagesPerSec * e.seconds
      seconds += e.seconds
      trainAccuracy = e.accuracy
      console.log(
        `  epoch ${e.epoch}: loss ${e.loss.toFixed(4)} acc ${(e.accuracy * 100).toFixed(2)} % val acc ${((e.valAccuracy ?? 0) * 100).toFixed(2)} % (${e.seconds.toFixed(0)} s, ${e.imagesPerSec.toFixed(0)} img/s)`,
      )
    }
  })
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
  const summary = run.summary ? (JSON.parse(run.summary) as Summary) : null
  if (status !== 'done') console.log(`[${name}] status ${status}${run.error ? `: ${run.error}` : ''}`)
  if (summary) console.log(`  ${afterTraining(summary)}`)
  return {
    name,
    accuracy: trainResult(studio, run).test_accuracy,
    ece: summary?.ece ?? null,
    imagesPerSec: seconds ? seen / seconds : 0,
    minutes,
    trainAccuracy,
    peakMb: peakKb / 1024,
    status,
  }
}

/** The recipe in words, e.g. "dropout 0.25/0.5, crop-pad 2, flip, smoothing 0.1, onecycle, wd 0.05". */
function words(c: TrainConfig): string {
  const parts = [
    c.dropout.beforeDense || c.dropout.afterDense ? `dropout ${c.dropout.beforeDense}/${c.dropout.afterDense}` : '',
    c.augment?.cropPad ? `crop-pad ${c.augment.cropPad}` : '',
    c.augment?.flip ? 'flip' : '',
    c.labelSmoothing ? `smoothing ${c.labelSmoothing}` : '',
    c.schedule !== 'constant' || c.warmupEpochs
      ? `${c.schedule}${c.warmupEpochs ? ` (warm-up ${c.warmupEpochs})` : ''}`
      : '',
    c.weightDecay ? `wd ${c.weightDecay}` : '',
    c.samePadding ? `last ${c.samePadding} conv padded` : '',
    c.batchNorm ? 'batch norm' : '',
  ].filter(Boolean)
  return `${parts.join(', ') || 'all off'}; ${c.epochs} epochs, batch ${c.batchSize}, lr ${c.learningRate}`
}

const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(2)} %`)
const fmt = (r: Result, base?: Result) =>
  `| ${r.name} | ${pct(r.accuracy)} | ${
    base && r !== base && r.accuracy !== null && base.accuracy !== null
      ? `${r.accuracy >= base.accuracy ? '+' : ''}${((r.accuracy - base.accuracy) * 100).toFixed(2)}`
      : ''
  } | ${r.ece === null ? '—' : r.ece.toFixed(4)} | ${pct(r.trainAccuracy)} | ${r.imagesPerSec.toFixed(0)} | ${r.minutes.toFixed(2)} |`
const HEAD =
  '| recipe | test accuracy | Δ vs default (points) | ECE | train accuracy (last epoch) | images/s | minutes |\n|---|---|---|---|---|---|---|'

printResources({
  studio: `a trainer child process per run (startTraining): ${full.workers ? `${full.workers} worker(s) by --workers` : await trainerWorkers()}`,
  peer: 'none: the recipes are compared with each other',
  backend: trainerBackend().text,
})
console.log(`default recipe: ${words(full)}`)
const results: Result[] = []
if (ablation) {
  // The variants: the default recipe, nothing at all, and one ingredient changed at a time.
  const base: Partial<TrainConfig> = { ...asked, epochs: ablationEpochs }
  const aug = full.augment
  const variants: [string, Partial<TrainConfig>][] = [
    ['default recipe', base],
    ['classic (all off, constant lr 0.001)', { ...base, ...RECIPE_OFF, augment: null, learningRate: 0.001 }],
  ]
  // Each ingredient taken out where the default has it, put in (at a usual value) where it does not;
  // most telling first, so a run cut short still has them.
  const scheduled = full.schedule !== 'constant' || full.warmupEpochs > 0
  variants.push(
    scheduled
      ? [
          '− schedule (constant lr 0.001, no warm-up)',
          { ...base, schedule: 'constant', warmupEpochs: 0, learningRate: 0.001 },
        ]
      : ['+ onecycle, peak lr 0.003', { ...base, schedule: 'onecycle', learningRate: 0.003 }],
  )
  variants.push(
    aug?.cropPad && aug.flip
      ? ['− crop-pad and flip', { ...base, augment: null }]
      : ['+ crop-pad 2 and flip', { ...base, augment: { ...NO_AUGMENT, ...aug, cropPad: 2, flip: true } }],
  )
  variants.push(
    full.dropout.beforeDense || full.dropout.afterDense
      ? ['− dropout', { ...base, dropout: { beforeDense: 0, afterDense: 0 } }]
      : [
          '+ dropout 0.25 before, 0.5 after the dense layer',
          { ...base, dropout: { beforeDense: 0.25, afterDense: 0.5 } },
        ],
  )
  if (full.samePadding) variants.push(['− padding (all convolutions valid)', { ...base, samePadding: 0 }])
  variants.push(
    full.batchNorm
      ? ['− batch normalization', { ...base, batchNorm: false }]
      : ['+ batch normalization after each pooling', { ...base, batchNorm: true }],
  )
  variants.push(
    full.weightDecay
      ? ['− weight decay', { ...base, weightDecay: 0 }]
      : ['+ weight decay 0.05', { ...base, weightDecay: 0.05 }],
  )
  variants.push(
    full.labelSmoothing
      ? ['− label smoothing', { ...base, labelSmoothing: 0 }]
      : ['+ label smoothing 0.1', { ...base, labelSmoothing: 0.1 }],
  )
  if (aug?.cropPad && aug.flip) {
    variants.push(['− crop-pad', { ...base, augment: { ...aug, cropPad: 0 } }])
    variants.push(['− flip', { ...base, augment: { ...aug, flip: false } }])
  }
  if (full.dropout.beforeDense && full.dropout.afterDense)
    variants.push(['− dropout before the dense layer', { ...base, dropout: { ...full.dropout, beforeDense: 0 } }])
  const studio = project(ablationLimit, ablationVal)
  const table = () => {
    console.log(
      `\nAblation at reduced size: ${ablationLimit} train images (${ablationVal} val), ${ablationEpochs} epochs, ${size} px, 10,000 test images ` +
        `(Δ = this row − the default; an ingredient taken out (−) helps where its Δ is negative, one put in (+) where it is positive)`,
    )
    console.log(HEAD)
    for (const r of results) console.log(fmt(r, results[0]))
  }
  // The table so far after every row (a long ablation can be stopped and still read).
  for (const [name, c] of variants) {
    results.push(await train(studio, name, c))
    if (results.length < variants.length) table()
  }
  fs.rmSync(studio.root, { recursive: true, force: true })
  studio.close()
  table()
}
if (!onlyAblation) {
  const studio = project(limit)
  const rows: Result[] = []
  if (flag('classic'))
    rows.push(
      await train(studio, 'classic (all off, constant lr 0.001), full size', {
        ...asked,
        ...RECIPE_OFF,
        augment: null,
        learningRate: 0.001,
      }),
    )
  const r = await train(studio, 'default recipe, full size', asked)
  rows.push(r)
  if (flag('keep')) console.log(`project kept (--keep): ${studio.root}`)
  else fs.rmSync(studio.root, { recursive: true, force: true })
  studio.close()
  console.log(`\nFull size: ${limit} train images, ${size} px, 10,000 test images; default recipe: ${words(full)}`)
  console.log(HEAD)
  for (const row of rows) console.log(fmt(row))
  console.log(`training process peak RSS ${r.peakMb.toFixed(0)} MB (goal < 1536 MB)`)
  console.log(
    `test_accuracy=${r.accuracy?.toFixed(4)} minutes=${r.minutes.toFixed(2)} ece=${r.ece?.toFixed(4)} images_per_s=${r.imagesPerSec.toFixed(0)}`,
  )
}
