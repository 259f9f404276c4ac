import fs from 'node:fs'
import path from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeShapes } from '../../../main/cli/demo-shapes'
import { exportRun } from '../../../main/engine/export/bundle'
import { Studio } from '../../../main/engine/studio'
import { selectBackend } from '../../../main/engine/training/backend'
import { withDefaults } from '../../../main/engine/training/config'
import type { TrainEvent } from '../../../main/engine/training/events'
import { loadModel } from '../../../main/engine/training/model-io'
import { predictImages } from '../../../main/engine/training/predict'
import { loadBackbone } from '../../../main/engine/training/transfer'
import { TRANSFER_DEFAULTS } from '../../../main/engine/training/transfer-recipe'
import { tmpDir } from '../../helpers/fixtures'
import { writeTinyMobileNet } from '../../helpers/tiny-mobilenet'
import { trainInProcess } from '../../helpers/training'

const root = tmpDir()
const models = path.join(root, 'models')
let studio: Studio

beforeAll(async () => {
  await selectBackend('wasm')
  await writeTinyMobileNet(models, 'tinynet')
  await writeShapes(path.join(root, 'shapes'), 8)
  studio = Studio.init(path.join(root, 'proj'))
  await studio.import(path.join(root, 'shapes'))
  process.env.STUDIO_MODELS_DIR = models
}, 60_000)

afterAll(() => {
  delete process.env.STUDIO_MODELS_DIR
  studio.close()
})

const base = {
  preset: 'transfer',
  backbone: 'tinynet',
  inputSize: 32,
  epochs: 3,
  tta: 'off',
  calibration: 'off',
} as const

describe('the transfer recipe in the config', () => {
  it('fills both parts from the preset, field by field, and refuses bad values naming the field', () => {
    const c = withDefaults({ ...base, featureAugment: { copies: 2 } as never })
    expect(c.featureAugment).toEqual({ ...TRANSFER_DEFAULTS.featureAugment, copies: 2 })
    expect(c.fineTune).toEqual(TRANSFER_DEFAULTS.fineTune)
    const bad: [object, RegExp][] = [
      [{ featureAugment: { copies: 17 } }, /featureAugment\.copies must be a whole number from 0 to 16 \(got 17\)/],
      [{ featureAugment: { copies: 1.5 } }, /featureAugment\.copies must be a whole number/],
      [{ featureAugment: { minCrop: 0.1 } }, /featureAugment\.minCrop must be a number from 0\.3 to 1/],
      [{ featureAugment: { color: -1 } }, /featureAugment\.color must be a number from 0 to 0\.5/],
      [{ featureAugment: { flip: 'yes' } }, /featureAugment\.flip must be true or false/],
      [{ fineTune: { blocks: 9 } }, /fineTune\.blocks must be a whole number from 0 to 8 \(got 9\)/],
      [{ fineTune: { epochs: 0 } }, /fineTune\.epochs must be a whole number from 1 to 100/],
      [{ fineTune: { learningRate: 0 } }, /fineTune\.learningRate must be a number above 0, at most 0\.01/],
    ]
    for (const [c2, re] of bad) expect(() => withDefaults({ ...base, ...c2 })).toThrow(re)
    // The seed CNN has no cached features: copies and fine-tuning are refused there, off is fine.
    expect(withDefaults({ preset: 'seed-cnn' }).featureAugment.copies).toBe(0)
    expect(() => withDefaults({ preset: 'seed-cnn', featureAugment: { copies: 2 } as never })).toThrow(
      /featureAugment: the seed-cnn preset has no cached features to augment/,
    )
    expect(() => withDefaults({ preset: 'seed-cnn', fineTune: { blocks: 1 } as never })).toThrow(
      /fineTune: the seed-cnn preset has no pretrained backbone to fine-tune/,
    )
  })
})

describe('a convolutional backbone at another input size', () => {
  it('loads at the size asked for and gives features of the same length; a graph model keeps its own', async () => {
    const bb = await loadBackbone(models, 'tinynet', { inputSize: 48 })
    expect([bb.inputSize, bb.featureDim]).toEqual([48, 16])
    const f = tf.tidy(() => bb.features(tf.zeros([2, 48, 48, 3])).shape)
    expect(f).toEqual([2, 16])
    expect(bb.extractor!.inputs[0]!.shape).toEqual([null, 48, 48, 3])
    bb.dispose()
    const id = await trainInProcess(studio, { ...base, inputSize: 40, epochs: 1 })
    expect(studio.store.runs.get(id)).toMatchObject({ status: 'done', error: null })
    const saved = await loadModel(path.join(studio.root, 'runs', String(id), 'model'))
    expect(saved.inputs[0]!.shape).toEqual([null, 40, 40, 3])
    saved.dispose()
  }, 60_000)
})

describe('augmented copies on the feature path', () => {
  it('extracts each copy once into its own cache folder, reuses it in the next run, and records it on the run', async () => {
    const cfg = {
      ...base,
      featureAugment: { ...TRANSFER_DEFAULTS.featureAugment, copies: 2 },
      fineTune: { ...TRANSFER_DEFAULTS.fineTune, blocks: 0 },
    }
    const id = await trainInProcess(studio, cfg)
    const run = studio.store.runs.get(id)!
    expect(run).toMatchObject({ status: 'done', error: null })
    expect(JSON.parse(run.config).featureAugment).toEqual(cfg.featureAugment)
    expect(run.backendReason).toMatch(/2 augmented copies of each training image/)
    const dir = path.join(studio.root, 'cache', 'features', 'tinynet-32-cover')
    const [aug, ...more] = fs.readdirSync(dir).filter((f) => f.startsWith('aug-'))
    expect(more).toEqual([])
    const copies = fs.readdirSync(path.join(dir, aug!))
    const train = studio.store.datasets.items(run.datasetVersion, 'train')
    expect(copies.sort()).toEqual(train.flatMap((i) => [`${i.hash}-1.f32`, `${i.hash}-2.f32`]).sort())
    // Copies differ from the plain features and from each other.
    const read = (f: string) => fs.readFileSync(f)
    const h = train[0]!.hash
    expect(read(path.join(dir, aug!, `${h}-1.f32`)).equals(read(path.join(dir, `${h}.f32`)))).toBe(false)
    expect(read(path.join(dir, aug!, `${h}-1.f32`)).equals(read(path.join(dir, aug!, `${h}-2.f32`)))).toBe(false)
    const stamp = (f: string) => fs.statSync(path.join(dir, aug!, f)).mtimeMs
    const before = copies.map(stamp)
    const again = await trainInProcess(studio, cfg)
    expect(studio.store.runs.get(again)!.status).toBe('done')
    expect(fs.readdirSync(path.join(dir, aug!)).map(stamp)).toEqual(before)
  }, 60_000)
})

describe('fine-tuning after the head', () => {
  it('trains only the last stages (batch norm statistics unchanged), logs its epochs after the head’s, and saves one merged model that predicts what the run recorded', async () => {
    const events: TrainEvent[] = []
    const cfg = {
      ...base,
      featureAugment: { ...TRANSFER_DEFAULTS.featureAugment, copies: 1 },
      fineTune: { blocks: 1, epochs: 2, learningRate: 0.01 },
    }
    const id = await trainInProcess(studio, cfg, events)
    const run = studio.store.runs.get(id)!
    expect(run).toMatchObject({ status: 'done', error: null })
    expect(run.backendReason).toMatch(/fine-tuning the last 1 of 3 stages/)
    const epochs = studio.store.runs.epochs(id).map((e) => e.epoch)
    const head = epochs.length - 2
    expect(epochs).toEqual(Array.from({ length: head + 2 }, (_, i) => i + 1))
    expect(events.filter((e) => e.type === 'epoch').map((e) => (e as { epoch: number }).epoch)).toEqual(epochs)

    const original = await loadModel(path.join(models, 'tinynet'))
    const saved = await loadModel(path.join(studio.root, 'runs', String(id), 'model'))
    const weights = (m: tf.LayersModel) => new Map(m.weights.map((w) => [w.originalName, w.read().dataSync()]))
    const was = weights(original)
    const now = weights(saved)
    const changed = [...was.keys()].filter((k) => was.get(k)!.some((v, i) => v !== now.get(k)![i])).sort()
    expect(changed).toEqual(
      [
        'conv_dw_2/depthwise_kernel',
        'conv_dw_2_bn/gamma',
        'conv_dw_2_bn/beta',
        'conv_pw_2/kernel',
        'conv_pw_2_bn/gamma',
        'conv_pw_2_bn/beta',
      ].sort(),
    )
    expect([...was.keys()].filter((k) => /moving_(mean|variance)/.test(k))).toHaveLength(10)
    // Backbone and head are one model: the input is the image, the output the classes.
    expect(saved.inputs[0]!.shape).toEqual([null, 32, 32, 3])
    expect(saved.outputs[0]!.shape).toEqual([null, 4])
    original.dispose()
    saved.dispose()

    // What the run stored for an evaluation image is what the saved model predicts from its file.
    const [p] = studio.store.runs.predictions(id)
    const image = studio.image(p!.imageId)
    const [fromFile] = await predictImages(studio, id, [studio.originalPath(image)])
    const classes = studio.store.datasets.version(run.datasetVersion)!.classes.map((c) => c.name)
    classes.forEach((c, k) => expect(Math.abs(fromFile!.probabilities[c]! - p!.probs[k]!)).toBeLessThan(1e-4))

    // The model card says what the recipe did.
    const card = fs.readFileSync(
      path.join(exportRun(studio, id, path.join(root, 'card'), { zip: false }).dir, 'model-card.md'),
      'utf8',
    )
    expect(card).toMatch(
      /\| feature augmentation \| 1 cached copies per training image: crop ≥ 0\.7 of the side, mirror/,
    )
    expect(card).toMatch(
      /\| fine-tuning \| last 1 backbone block\(s\), 2 epochs at learning rate 0\.01, batch norm statistics frozen/,
    )
  }, 60_000)

  it('more stages than the backbone has fail the run, naming the field', async () => {
    const id = await trainInProcess(studio, {
      ...base,
      backbone: 'tinynet',
      featureAugment: { ...TRANSFER_DEFAULTS.featureAugment, copies: 0 },
      fineTune: { blocks: 3, epochs: 1, learningRate: 0.001 },
    })
    expect(studio.store.runs.get(id)!.error).toMatch(
      /fineTune\.blocks must be below the 3 stages of backbone tinynet \(got 3\)/,
    )
  }, 60_000)
})
