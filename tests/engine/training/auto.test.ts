import { describe, expect, it } from 'vitest'
import {
  BATCH_NORM_STEP_COST,
  cnnEpochSeconds,
  extractionRate,
  NATIVE_SPEEDUP,
  parseBudget,
  planAuto,
  POOL_EFFICIENCY,
  transferSeconds,
  type AutoBackbone,
  type AutoData,
  type AutoInput,
} from '../../../main/engine/training/auto'
import { nativeExtractionInstalled } from '../../../main/engine/training/auto-facts'

const photos: AutoData = { images: 400, classes: 2, smallestClass: 190, medianSide: 375, grayscale: 0.02 }
const fashion: AutoData = { images: 70_000, classes: 10, smallestClass: 7000, medianSide: 28, grayscale: 1 }
const small: AutoBackbone = {
  name: 'mobilenet_v1_0.25_224',
  title: 'MobileNet v1 0.25',
  top1: 0.506,
  imagesPerSecond: 227,
  inputSize: 224,
}
const big: AutoBackbone = {
  name: 'mobilenet_v1_0.75_224',
  title: 'MobileNet v1 0.75',
  top1: 0.684,
  imagesPerSecond: 31,
  inputSize: 224,
}
const presets: AutoInput['presets'] = {
  seedCnn: { inputSize: 64, epochs: 10, inputMin: 24 },
  transfer: { epochs: 100, copies: 4, fineTuneBlocks: 1, fineTuneEpochs: 5 },
}
const input = (o: Partial<AutoInput>): AutoInput => ({
  data: photos,
  backbones: [small, big],
  budgetSeconds: 300,
  presets,
  cores: 2,
  ...o,
})
const choice = (plan: ReturnType<typeof planAuto>, what: string) => plan.choices.find((c) => c.what === what)

describe('planAuto: the preset', () => {
  it('photos with a backbone that fits: transfer with the most accurate backbone, the preset’s own recipe', () => {
    const plan = planAuto(input({ budgetSeconds: 600 }))
    expect(plan.config).toMatchObject({ preset: 'transfer', backbone: big.name, epochs: 100 })
    // The recipe is left to the preset's defaults: Auto sets none of its fields.
    expect(plan.config).not.toHaveProperty('dropout')
    expect(plan.config).not.toHaveProperty('featureAugment')
    expect(choice(plan, 'backbone')!.why).toContain('the most accurate one installed')
    expect(plan.estimateSeconds).toBeLessThanOrEqual(600)
  })

  it('no backbone: the seed CNN, saying so', () => {
    const plan = planAuto(input({ backbones: [] }))
    expect(plan.config.preset).toBe('seed-cnn')
    expect(choice(plan, 'preset')!.why).toContain('no usable backbone')
  })

  it('small grayscale images: the seed CNN even with backbones, at their own size, padded to a 3×3 grid', () => {
    const plan = planAuto(input({ data: fashion, budgetSeconds: 900 }))
    expect(plan.config).toMatchObject({ preset: 'seed-cnn', inputSize: 28 })
    expect(choice(plan, 'preset')!.why).toContain('small and grayscale')
    expect(choice(plan, 'input size')!.why).toBe('the images are about 28 px')
    // The preset pads the last two convolutions at 28 px (seed-cnn.ts gridPadding); Auto says so.
    expect(choice(plan, 'padding')!.value).toBe('the last 2 of 3 convolutions zero-padded')
    expect(choice(plan, 'padding')!.why).toBe(
      'at 28 px the fewest that leave a 3×3 grid into the dense layer (1×1 without)',
    )
    // 49,000 training images: batch normalization, said and priced (each epoch costs BATCH_NORM_STEP_COST more).
    expect(plan.config).toMatchObject({ batchNorm: true })
    expect(choice(plan, 'recipe')!.value).toBe(
      'the seed CNN preset’s defaults, with batch normalization after each pooling',
    )
    expect(choice(plan, 'recipe')!.why).toMatch(/^49,000 training images: on Fashion-MNIST's 54,000/)
    const per = cnnEpochSeconds(49_000, 28, 2) * BATCH_NORM_STEP_COST
    expect(plan.config.epochs! * per).toBeLessThanOrEqual(900)
    expect(per).toBeLessThan(90)
    expect(choice(plan, 'epochs')!.why).toContain(`about ${Math.round(per)} s per epoch`)
    // Larger, still under the preset's default: the images' own size, no padding from 38 px.
    const own = planAuto(input({ data: { ...fashion, medianSide: 40 }, budgetSeconds: 900 }))
    expect(own.config.inputSize).toBe(40)
    expect(choice(own, 'input size')!.why).toBe('the images are about 40 px')
    expect(choice(own, 'padding')!.why).toBe('at 40 px the classic layers already leave a 3×3 grid')
    // Small but in colour: transfer is still considered.
    const colour = planAuto(input({ data: { ...photos, medianSide: 32 }, budgetSeconds: 600 }))
    expect(colour.config.preset).toBe('transfer')
  })

  it('a budget the best backbone does not fit even without its extras: the faster one, naming the better one', () => {
    const plan = planAuto(input({ data: { ...photos, images: 3000 }, budgetSeconds: 100 }))
    expect(plan.config).toMatchObject({ preset: 'transfer', backbone: small.name })
    expect(choice(plan, 'backbone')!.why).toContain('MobileNet v1 0.75 would not fit')
  })

  it('a budget that fits the backbone only without augmented copies and fine-tuning turns those off', () => {
    const plan = planAuto(input({ backbones: [big], budgetSeconds: 60 }))
    expect(plan.config).toMatchObject({ preset: 'transfer', featureAugment: { copies: 0 }, fineTune: { blocks: 0 } })
    expect(choice(plan, 'recipe')!.value).toContain('without augmented copies')
  })

  it('a budget no backbone fits: the seed CNN, with the estimate that ruled transfer out', () => {
    const plan = planAuto(input({ data: { ...photos, images: 20_000 }, backbones: [big], budgetSeconds: 120 }))
    expect(plan.config.preset).toBe('seed-cnn')
    expect(choice(plan, 'preset')!.why).toMatch(/would take about .* over the 2\.0 min budget/)
  })
})

describe('planAuto: the seed CNN’s input and epochs', () => {
  it('larger images take the preset’s input size; epochs fill the budget, capped at 3 × the preset’s', () => {
    const plan = planAuto(input({ backbones: [], data: { ...photos, images: 5000 }, budgetSeconds: 300 }))
    expect(plan.config.inputSize).toBe(64)
    // 3,500 training images: under AUTO_BATCH_NORM_IMAGES, the classic layers.
    expect(plan.config).not.toHaveProperty('batchNorm')
    expect(choice(plan, 'recipe')!.why).toContain('batch normalization only from 10,000 training images')
    const e = plan.config.epochs!
    const per = cnnEpochSeconds(5000 * 0.7, 64, 2)
    expect(e * per).toBeLessThanOrEqual(300)
    expect((e + 2) * per).toBeGreaterThan(300 * 0.85 - 40)
    const longer = planAuto(input({ backbones: [], data: { ...photos, images: 5000 }, budgetSeconds: 3600 }))
    expect(longer.config.epochs).toBe(30)
    expect(choice(longer, 'epochs')!.why).toContain('3 × the preset')
  })

  it('a budget too short for 3 epochs shrinks the input, never under the preset’s minimum', () => {
    const data = { ...photos, images: 20_000 }
    const plan = planAuto(input({ backbones: [], data, budgetSeconds: 120 }))
    expect(plan.config.inputSize).toBeLessThan(64)
    expect(plan.config.inputSize).toBeGreaterThanOrEqual(24)
    expect(choice(plan, 'input size')!.why).toContain('at least 3 epochs')
    const tiny = planAuto(input({ backbones: [], data: { ...data, images: 500_000 }, budgetSeconds: 30 }))
    expect(tiny.config.inputSize).toBe(24)
    expect(tiny.config.epochs).toBe(1)
  })

  it('follows the presets’ defaults as they are (not numbers of its own)', () => {
    const other = { ...presets, seedCnn: { inputSize: 48, epochs: 4, inputMin: 32 } }
    const plan = planAuto(input({ backbones: [], presets: other, budgetSeconds: 3600 }))
    expect(plan.config).toMatchObject({ inputSize: 48, epochs: 12 })
    const t = planAuto(
      input({ presets: { ...presets, transfer: { ...presets.transfer, epochs: 40 } }, budgetSeconds: 900 }),
    )
    expect(t.config.epochs).toBe(40)
  })

  it('every plan lists preset, epochs, recipe and TTA with reasons, and leaves TTA and calibration to val', () => {
    for (const plan of [planAuto(input({})), planAuto(input({ backbones: [] }))]) {
      const whats = plan.choices.map((c) => c.what)
      for (const w of ['preset', 'epochs', 'recipe', 'test-time augmentation']) expect(whats).toContain(w)
      expect(plan.choices.every((c) => c.why.length > 10)).toBe(true)
      expect(plan.config).toMatchObject({ tta: 'auto', calibration: 'auto' })
    }
  })
})

describe('transfer cost', () => {
  const light = { epochs: 100, copies: 0, fineTuneBlocks: 0, fineTuneEpochs: 5 }

  it('extraction scales with the pixels of the side the run trains at, and with the extraction threads', () => {
    const at288 = { ...big, trainSize: 288 }
    expect(extractionRate(big, 1)).toBe(31)
    expect(extractionRate(at288, 1)).toBeCloseTo(31 * (224 / 288) ** 2, 6)
    expect(extractionRate(at288, 2)).toBeCloseTo(2 * POOL_EFFICIENCY * extractionRate(at288, 1), 6)
    // A larger side costs more; a second core less.
    expect(transferSeconds(photos, at288, light, 2)).toBeGreaterThan(transferSeconds(photos, big, light, 2))
    expect(transferSeconds(photos, at288, light, 1)).toBeGreaterThan(transferSeconds(photos, at288, light, 2))
    // Ten times the images: about ten times the extraction.
    const many = { ...photos, images: 4000 }
    const ratio = transferSeconds(many, at288, light, 2) / transferSeconds(photos, at288, light, 2)
    expect(ratio).toBeGreaterThan(7)
    expect(ratio).toBeLessThan(11)
  })

  it('every averaged head adds its epochs', () => {
    const one = transferSeconds(photos, big, light, 2)
    const five = transferSeconds(photos, big, { ...light, heads: 5 }, 2)
    expect(transferSeconds(photos, big, { ...light, heads: 1 }, 2)).toBe(one)
    expect(five - one).toBeCloseTo(4 * light.epochs * 0.05, 6)
  })

  it('extraction on ONNX Runtime (native) runs on one thread at NATIVE_SPEEDUP × the wasm speed, with no threads to start', () => {
    const native = { ...big, trainSize: 288, native: true }
    const wasm = { ...big, trainSize: 288 }
    expect(extractionRate(native, 2)).toBeCloseTo(NATIVE_SPEEDUP * extractionRate(wasm, 1), 6)
    expect(extractionRate(native, 4)).toBe(extractionRate(native, 1))
    expect(transferSeconds(photos, native, light, 2)).toBeLessThan(transferSeconds(photos, wasm, light, 2))
    // Fine-tuning runs on TensorFlow.js whichever runtime extracts: its cost is the same.
    const tuned = { ...light, fineTuneBlocks: 1 }
    const tuneCost = (b: typeof wasm) => transferSeconds(photos, b, tuned, 2) - transferSeconds(photos, b, light, 2)
    expect(tuneCost(native)).toBeGreaterThan(0.9 * tuneCost(wasm))
  })

  it('knows whether onnxruntime-node is installed, and STUDIO_EXTRACTION=tfjs turns the native estimate off', () => {
    expect(nativeExtractionInstalled({ STUDIO_EXTRACTION: 'tfjs' })).toBe(false)
    // This checkout has the package (a dependency).
    expect(nativeExtractionInstalled({})).toBe(true)
  })

  it('hymenoptera (398 photos, 2 classes) with the bundled backbones at 288 px: MobileNet v1 0.75 within 2 minutes', () => {
    const bundled = [
      { ...small, trainSize: 288 },
      { ...big, trainSize: 288 },
    ]
    const hym = { ...photos, images: 398, smallestClass: 191 }
    const plan = planAuto(
      input({ data: hym, backbones: bundled, presets: { ...presets, transfer: light }, budgetSeconds: 120 }),
    )
    expect(plan.config).toMatchObject({ preset: 'transfer', backbone: big.name })
    expect(plan.estimateSeconds).toBeGreaterThan(20)
    expect(plan.estimateSeconds).toBeLessThan(120 * 0.85)
  })
})

describe('parseBudget', () => {
  it('reads seconds, minutes and hours; refuses anything else', () => {
    expect(parseBudget('2m')).toBe(120)
    expect(parseBudget('1.5 min')).toBe(90)
    expect(parseBudget('90s')).toBe(90)
    expect(parseBudget('45')).toBe(45)
    expect(parseBudget('1h')).toBe(3600)
    expect(parseBudget('two minutes')).toBeNull()
    expect(parseBudget('0m')).toBeNull()
    expect(parseBudget('-3m')).toBeNull()
  })
})
