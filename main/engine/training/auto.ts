import type { TrainConfig } from './config'
import { gridPadding, MIN_GRID, seedCnnShape } from './presets/seed-cnn'

/**
 * "Train the best model": picks the preset, backbone, input size, recipe and epochs from the data
 * and a time budget. A pure function of what it is given (facts about the labeled images, the
 * usable backbones with their measured speed, the presets' current defaults, the cores), so every
 * rule is a unit test; `autoFacts` (auto-facts.ts) gathers those facts from a project. The recipe is
 * the chosen preset's own defaults (presets/*.ts, measured in bench/RESULTS.md), not repeated here:
 * Auto only turns parts of it off when they would not fit the budget.
 */

/** What Auto knows about the labeled images. */
export interface AutoData {
  /** Labeled images (what a run would split). */
  images: number
  classes: number
  /** Images of the smallest class. */
  smallestClass: number
  /** Median of each image's shorter side, pixels. */
  medianSide: number
  /** Share of the images (with measured signals) whose colour channels agree: grayscale. */
  grayscale: number
}

/** A backbone that could be used, as its manifest describes it. */
export interface AutoBackbone {
  name: string
  title: string
  /** ImageNet top-1 accuracy; null: unknown (ranked last). */
  top1: number | null
  /**
   * Measured feature extraction at `inputSize`, images per CPU-second of the one thread it ran on
   * (the manifest's speed); null: unknown.
   */
  imagesPerSecond: number | null
  inputSize: number
  /** The side the transfer preset trains it at (backbone.json's trainSize); absent: inputSize. */
  trainSize?: number
  /**
   * Extraction will run on ONNX Runtime's native kernels (extract-native.ts: a layers backbone where
   * onnxruntime-node is installed and STUDIO_EXTRACTION allows it) rather than the wasm threads.
   */
  native?: boolean
}

/** The presets' defaults as they are now (withDefaults of each), the part Auto reads. */
export interface AutoPresetDefaults {
  seedCnn: { inputSize: number; epochs: number; inputMin: number }
  transfer: {
    epochs: number
    /** Augmented feature copies per training image (0 where the preset has none). */
    copies: number
    /** Fine-tuning: unfrozen stages (0 = off) and its epochs. */
    fineTuneBlocks: number
    fineTuneEpochs: number
    /** Heads trained and averaged (transfer-recipe.ts); absent: 1. */
    heads?: number
  }
}

export interface AutoInput {
  data: AutoData
  /** Usable backbones only. */
  backbones: AutoBackbone[]
  /** The time the user gives the whole run, seconds. */
  budgetSeconds: number
  presets: AutoPresetDefaults
  /** CPU cores training may use. */
  cores: number
}

/** One decision: what was chosen and why, in words the Train form and the model card show. */
export interface AutoChoice {
  what: 'preset' | 'backbone' | 'input size' | 'padding' | 'epochs' | 'recipe' | 'test-time augmentation'
  value: string
  why: string
}

export interface AutoPlan {
  /** What the run's config sets (the rest, recipe included, is the preset's defaults). */
  config: Partial<TrainConfig>
  choices: AutoChoice[]
  /** Estimated duration of the whole run, seconds. */
  estimateSeconds: number
  budgetSeconds: number
}

/**
 * Seed CNN training speed, in multiply-adds of one image's forward pass (seedCnnShape) trained per
 * second per core: bench:fashion on this project's two-core VM with the SIMD GEMM convolutions,
 * 1,270–1,300 images/s at 32 px unpadded (5.33 M) on two cores (bench/RESULTS.md, "With the SIMD
 * GEMM convolutions") is 3.4 G per core, rounded down for the epoch's evaluation and a busier
 * machine. A step's time follows the multiply-adds (padding and input size change them).
 */
export const SEED_CNN_MACS_PER_CORE = 3.2e9
/** Images decoded (sharp, once per image and size) per second per core, for a first run. */
export const DECODES_PER_CORE = 150
/**
 * A fine-tuning epoch per training image, in feature-extraction passes: hymenoptera with MobileNet
 * v1 0.75 (one stage unfrozen, 245 images) fine-tuned at 2–5 images/s against 31 for extraction,
 * on this project's two-core VM while other work ran, so this errs long.
 */
export const FINE_TUNE_COST = 8
/**
 * Extraction runs on one thread per core (extract-pool.ts): each thread's share of the manifest's
 * one-thread speed, measured on the two-core VM (bench:transfer --extraction-only: 21–22 images per
 * CPU-second on the pool against 26–28 on one thread, MobileNet v1 0.75 at 224 px, thread start
 * included).
 */
export const POOL_EFFICIENCY = 0.8
/**
 * ONNX Runtime's native kernels against the manifest's wasm speed, per image on one thread: MobileNet
 * v1 0.75 at 224 px, 7.4–9.4 against 25–27 CPU-ms (bench/RESULTS.md, "Extraction speed, again"). The
 * native path runs on the trainer's thread while sharp decodes on the other cores.
 */
export const NATIVE_SPEEDUP = 3
/** Seconds the extraction threads take to start (overlapping the first decodes; from source, tsx compiles first). */
export const POOL_START_SECONDS = 3
/** Extraction threads at most (parallel.ts autoWorkers' cap). */
const MAX_EXTRACTION_THREADS = 4
/** Share of the budget Auto plans to fill: estimates are rough and the user asked for "about". */
const FILL = 0.85
/** Images at or under this side that are also grayscale are scans, digits, clothing: the CNN's ground. */
const SMALL_SIDE = 48
const GRAYSCALE = 0.9
/** Fewest epochs the seed CNN should get; fewer means a smaller input. */
const MIN_CNN_EPOCHS = 3
/**
 * Training images from which Auto adds batch normalization to the seed CNN (recipe batchNorm):
 * measured on Fashion-MNIST's 54,000, +0.9 to +1.1 points at 10 epochs (bench/RESULTS.md, "Batch
 * normalization"); not measured on small sets, which keep the preset's classic layers.
 */
export const AUTO_BATCH_NORM_IMAGES = 10_000
/** A seed-CNN step with batch normalization against one without (one thread, 28 px: 75–76 against 63–65 ms). */
export const BATCH_NORM_STEP_COST = 1.18
const minutes = (s: number) => (s < 90 ? `${Math.round(s)} s` : `${(s / 60).toFixed(1)} min`)

/** Seed CNN seconds per epoch over `n` images at `size` px, with its default padding there unless given. */
export function cnnEpochSeconds(n: number, size: number, cores: number, samePadding = gridPadding(size)): number {
  return (n * seedCnnShape(size, samePadding).macs) / (SEED_CNN_MACS_PER_CORE * Math.max(1, cores))
}

/**
 * A backbone's extraction speed for a run, images per second: the manifest's one-thread speed at
 * its inputSize, scaled to the side the run trains at (cost grows with the pixels, side²), on
 * `threads` threads.
 */
export function extractionRate(b: AutoBackbone, threads: number): number {
  const side = b.trainSize ?? b.inputSize
  const perThread = (b.imagesPerSecond ?? 20) * (b.inputSize / side) ** 2
  if (b.native) return perThread * NATIVE_SPEEDUP
  return threads > 1 ? perThread * threads * POOL_EFFICIENCY : perThread
}

/** The whole transfer run, seconds: extraction (copies included), every head's epochs, fine-tuning, the mirror pass. */
export function transferSeconds(
  d: AutoData,
  b: AutoBackbone,
  t: AutoPresetDefaults['transfer'],
  cores: number,
): number {
  const threads = Math.max(1, Math.min(cores, MAX_EXTRACTION_THREADS))
  const ips = extractionRate(b, threads)
  const train = d.images * 0.7
  const extract = (d.images + train * t.copies) / ips + (threads > 1 && !b.native ? POOL_START_SECONDS : 0)
  // A fine-tuning epoch costs FINE_TUNE_COST extraction passes per training image (measured, below),
  // on TensorFlow.js whichever runtime extracts.
  const tfjsOne = extractionRate({ ...b, native: false }, 1)
  const fineTune = t.fineTuneBlocks > 0 ? (t.fineTuneEpochs * train * FINE_TUNE_COST) / tfjsOne : 0
  // The mirror pass (test-time augmentation is decided on val): mirrored features on the extraction
  // threads; after fine-tuning, the whole saved model unfused on one thread (half the speed).
  const mirror = t.fineTuneBlocks > 0 ? (d.images * 0.3) / (tfjsOne / 2) : (d.images * 0.3) / ips
  const head = (t.heads ?? 1) * t.epochs * 0.05 * Math.max(1, d.images / 1000)
  const decode = d.images / (DECODES_PER_CORE * Math.max(1, cores))
  return extract + fineTune + mirror + head + decode
}

/** Plans a run: see the module comment; every rule leaves a reason in `choices`. */
export function planAuto(input: AutoInput): AutoPlan {
  const { data: d, budgetSeconds: budget, presets: p, cores } = input
  const choices: AutoChoice[] = []
  const ranked = [...input.backbones].sort((a, b) => (b.top1 ?? -1) - (a.top1 ?? -1))
  const facts =
    `${d.images} labeled images, ${d.classes} classes, images about ${Math.round(d.medianSide)} px, ` +
    `${Math.round(d.grayscale * 100)} % grayscale`
  const tinyGray = d.medianSide <= SMALL_SIDE && d.grayscale >= GRAYSCALE

  let transfer: { backbone: AutoBackbone; seconds: number; light: boolean } | null = null
  let whyNot = ''
  if (!ranked.length) whyNot = 'no usable backbone is installed'
  else if (tinyGray)
    whyNot = `the images are small and grayscale (${facts}): ImageNet photo features help little there, and the CNN trains at their own size`
  else {
    for (const b of ranked) {
      const full = transferSeconds(d, b, p.transfer, cores)
      if (full <= budget * FILL) {
        transfer = { backbone: b, seconds: full, light: false }
        break
      }
      const light = transferSeconds(d, b, { ...p.transfer, copies: 0, fineTuneBlocks: 0 }, cores)
      if (light <= budget * FILL && (p.transfer.copies > 0 || p.transfer.fineTuneBlocks > 0)) {
        transfer = { backbone: b, seconds: light, light: true }
        break
      }
    }
    if (!transfer) {
      const fastest = ranked.reduce((a, b) => (extractionRate(b, 1) > extractionRate(a, 1) ? b : a))
      const s = transferSeconds(d, fastest, { ...p.transfer, copies: 0, fineTuneBlocks: 0 }, cores)
      whyNot = `features of ${d.images} images with the fastest backbone (${fastest.title}) would take about ${minutes(s)}, over the ${minutes(budget)} budget`
    }
  }

  if (transfer) {
    const { backbone: b, light } = transfer
    choices.push({
      what: 'preset',
      value: 'transfer',
      why: `a pretrained backbone is available and its features fit the budget (${facts})`,
    })
    const better = ranked.filter((x) => (x.top1 ?? -1) > (b.top1 ?? -1))
    choices.push({
      what: 'backbone',
      value: b.name,
      why:
        `${b.title}: ImageNet top-1 ${b.top1 === null ? 'unknown' : `${(b.top1 * 100).toFixed(1)} %`}, ` +
        `${b.imagesPerSecond ?? '?'} images/s per thread at ${b.inputSize} px` +
        (b.native ? ` (about ${NATIVE_SPEEDUP}× that on ONNX Runtime's native kernels)` : '') +
        (better.length
          ? `; ${better.map((x) => x.title).join(', ')} would not fit ${minutes(budget)}`
          : '; the most accurate one installed'),
    })
    const config: Partial<TrainConfig> = { preset: 'transfer', backbone: b.name, epochs: p.transfer.epochs }
    if (light) {
      // Off where the preset has them on: copies and fine-tuning are what would overrun the budget.
      Object.assign(config, {
        featureAugment: { copies: 0 },
        fineTune: { blocks: 0 },
      })
      choices.push({
        what: 'recipe',
        value: 'transfer defaults, without augmented copies and fine-tuning',
        why: `with them the run would take about ${minutes(transferSeconds(d, b, p.transfer, cores))}, over the budget`,
      })
    } else
      choices.push({
        what: 'recipe',
        value: 'the transfer preset’s defaults',
        why:
          `${p.transfer.copies} augmented copies per image` +
          (p.transfer.fineTuneBlocks
            ? `, fine-tuning ${p.transfer.fineTuneBlocks} stage(s) for ${p.transfer.fineTuneEpochs} epochs`
            : '') +
          ` fit the budget`,
      })
    choices.push({
      what: 'epochs',
      value: String(p.transfer.epochs),
      why: 'the head trains on cached features in well under a second per epoch; early stopping ends it sooner',
    })
    choices.push(ttaChoice())
    return {
      config: { ...config, tta: 'auto', calibration: 'auto' },
      choices,
      estimateSeconds: transfer.seconds,
      budgetSeconds: budget,
    }
  }

  choices.push({ what: 'preset', value: 'seed-cnn', why: `${whyNot}; the seed CNN trains from scratch on pixels` })
  // The input: the images' own size when smaller than the preset's, never under the preset's minimum;
  // the preset zero-pads as many convolutions as a small input needs (seed-cnn.ts gridPadding).
  const own = Math.round(d.medianSide)
  let size = Math.max(p.seedCnn.inputMin, Math.min(p.seedCnn.inputSize, own))
  const sizeWhy: string[] = [size >= p.seedCnn.inputSize ? `the preset's default` : `the images are about ${own} px`]
  const train = d.images * 0.7
  const batchNorm = train >= AUTO_BATCH_NORM_IMAGES
  const stepCost = batchNorm ? BATCH_NORM_STEP_COST : 1
  const overhead = d.images / (DECODES_PER_CORE * Math.max(1, cores))
  const epochsAt = (s: number) =>
    Math.floor(
      (budget * FILL - overhead - cnnEpochSeconds(d.images * 0.6, s, cores)) /
        (cnnEpochSeconds(train, s, cores) * stepCost),
    )
  while (epochsAt(size) < MIN_CNN_EPOCHS && size > p.seedCnn.inputMin) {
    size = Math.max(p.seedCnn.inputMin, Math.round(size * 0.75))
    sizeWhy.splice(0, 1, `smaller, so at least ${MIN_CNN_EPOCHS} epochs fit ${minutes(budget)}`)
  }
  const cap = Math.max(p.seedCnn.epochs, 3 * p.seedCnn.epochs)
  const epochs = Math.max(1, Math.min(cap, epochsAt(size)))
  choices.push({ what: 'input size', value: `${size} px`, why: sizeWhy[0]! })
  const padded = gridPadding(size)
  const bare = seedCnnShape(size, 0).grid
  choices.push({
    what: 'padding',
    value: padded ? `the last ${padded} of 3 convolutions zero-padded` : 'none (the classic layers)',
    why: padded
      ? `at ${size} px the fewest that leave a ${MIN_GRID}×${MIN_GRID} grid into the dense layer (${bare}×${bare} without)`
      : `at ${size} px the classic layers already leave a ${bare}×${bare} grid`,
  })
  const perEpoch = cnnEpochSeconds(train, size, cores) * stepCost
  choices.push({
    what: 'epochs',
    value: String(epochs),
    why:
      epochs === cap
        ? `about ${minutes(perEpoch)} per epoch; ${cap} is the most Auto gives (3 × the preset's ${p.seedCnn.epochs}), early stopping may end sooner`
        : `about ${minutes(perEpoch)} per epoch on ${cores} core(s) fills the ${minutes(budget)} budget`,
  })
  choices.push(
    batchNorm
      ? {
          what: 'recipe',
          value: 'the seed CNN preset’s defaults, with batch normalization after each pooling',
          why:
            `${Math.round(train).toLocaleString('en-US')} training images: on Fashion-MNIST's 54,000 batch ` +
            'normalization added about 1 point in 10 epochs (bench/RESULTS.md)',
        }
      : {
          what: 'recipe',
          value: 'the seed CNN preset’s defaults',
          why: `chosen from measurements (bench/RESULTS.md); batch normalization only from ${AUTO_BATCH_NORM_IMAGES.toLocaleString('en-US')} training images, where it was measured`,
        },
  )
  choices.push(ttaChoice())
  return {
    config: {
      preset: 'seed-cnn',
      inputSize: size,
      epochs,
      tta: 'auto',
      calibration: 'auto',
      ...(batchNorm && { batchNorm: true }),
    },
    choices,
    estimateSeconds: overhead + perEpoch * epochs + cnnEpochSeconds(d.images * 0.6, size, cores),
    budgetSeconds: budget,
  }
}

function ttaChoice(): AutoChoice {
  return {
    what: 'test-time augmentation',
    value: 'auto',
    why: 'the mirror image is averaged in only if that helps on the val split; a temperature likewise',
  }
}

/** "2m", "90s", "1.5 min", "120" (seconds) → seconds; null when it is not a duration. */
export function parseBudget(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hours?)?\s*$/i.exec(text)
  if (!m) return null
  const n = Number(m[1])
  const unit = (m[2] ?? 's').toLowerCase()
  const s = unit.startsWith('h') ? n * 3600 : unit.startsWith('m') ? n * 60 : n
  return s > 0 ? s : null
}
