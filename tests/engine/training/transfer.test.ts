import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { writeShapes } from '../../../main/cli/demo-shapes'
import { predictImages } from '../../../main/engine/training/predict'
import { Studio } from '../../../main/engine/studio'
import { selectBackend } from '../../../main/engine/training/backend'
import { folderSaver } from '../../../main/engine/training/model-io'
import { createDatasetVersion } from '../../../main/engine/datasets/versions'
import { loadPixels, type PixelProblem } from '../../../main/engine/training/pixels'
import { extractFeatures, loadBackbone, splitFeatures } from '../../../main/engine/training/transfer'
import { studioJson } from '../../helpers/cli'
import { HYMENOPTERA, SHARED, tmpDir } from '../../helpers/fixtures'
import { trainInProcess } from '../../helpers/training'

const root = tmpDir()
const models = path.join(root, 'models')

/** A tiny layers "backbone" (32×32 input, two convs) saved like a real one. */
async function writeTinyBackbone(): Promise<void> {
  const m = tf.sequential()
  m.add(
    tf.layers.conv2d({
      inputShape: [32, 32, 3],
      filters: 8,
      kernelSize: 3,
      activation: 'relu',
      kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
    }),
  )
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }))
  m.add(
    tf.layers.conv2d({
      filters: 16,
      kernelSize: 3,
      activation: 'relu',
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }),
    }),
  )
  m.add(tf.layers.flatten())
  m.add(tf.layers.dense({ units: 10, activation: 'softmax' }))
  await m.save(folderSaver(path.join(models, 'tiny')))
  m.dispose()
}

beforeAll(async () => {
  await selectBackend('wasm')
  await writeTinyBackbone()
  fs.mkdirSync(path.join(models, 'broken'))
  fs.writeFileSync(path.join(models, 'broken', 'model.json'), '{"modelTopology": ')
  fs.mkdirSync(path.join(models, 'graphy'))
  fs.writeFileSync(
    path.join(models, 'graphy', 'model.json'),
    JSON.stringify({ modelTopology: { node: [] }, weightsManifest: [] }),
  )
}, 30_000)

describe('backbones from the models folder', () => {
  it('a missing, malformed or graph-model backbone is a clear error naming the file', async () => {
    await expect(loadBackbone(models, 'nope')).rejects.toThrow(
      /backbone "nope" not found: no .*nope\/model\.json \(available: broken, graphy, tiny\)/,
    )
    await expect(loadBackbone(models, 'broken')).rejects.toThrow(/backbone .*broken\/model\.json cannot be read/)
    await expect(loadBackbone(models, 'graphy')).rejects.toThrow(
      /graphy\/model\.json is a graph model Studio does not know the feature node of/,
    )
  })

  it('trains a head on cached features, saves backbone + head as one model, and rejects a mismatched input size', async () => {
    await writeShapes(path.join(root, 'shapes'), 20)
    const studio = Studio.init(path.join(root, 'proj'))
    await studio.import(path.join(root, 'shapes'))
    process.env.STUDIO_MODELS_DIR = models
    try {
      const id = await trainInProcess(studio, { preset: 'transfer', backbone: 'tiny', inputSize: 32, epochs: 3 })
      expect(studio.store.runs.get(id)).toMatchObject({ status: 'done', error: null })
      const cached = fs.readdirSync(path.join(studio.root, 'cache', 'features', 'tiny-32-cover'))
      expect(cached.filter((f) => f.endsWith('.f32'))).toHaveLength(80)
      const [p] = await predictImages(studio, id, [path.join(root, 'shapes', 'square', 'square-0001.jpg')])
      expect(Object.keys(p!.probabilities).sort()).toEqual(['circle', 'cross', 'square', 'triangle'])
      const bad = await trainInProcess(studio, { preset: 'transfer', backbone: 'tiny', inputSize: 64, epochs: 1 })
      expect(studio.store.runs.get(bad)!.error).toMatch(/backbone tiny takes 32×32 input; input size 64 does not match/)
    } finally {
      delete process.env.STUDIO_MODELS_DIR
      studio.close()
    }
  }, 60_000)
})

describe('feature extraction by chunks', () => {
  it('decodes the next chunk while extracting this one: the same features in the same order; an unreadable image is reported and left out', async () => {
    await writeShapes(path.join(root, 'chunks'), 5)
    const studio = Studio.init(path.join(root, 'chunk-proj'))
    try {
      await studio.import(path.join(root, 'chunks'))
      const bb = await loadBackbone(models, 'tiny')
      const v = createDatasetVersion(studio.store, { seed: 1, fractions: { train: 1, val: 0, test: 0 } })
      const items = studio.store.datasets.items(v)
      const hashes = new Map(items.map((i) => [i.imageId, i.hash]))
      const spec = { size: 32, fit: 'cover' as const }
      const whole = await loadPixels(studio.project.paths, items, spec, () => {})
      const want = await extractFeatures(studio.project.paths, bb, whole, hashes, 4)
      fs.rmSync(studio.project.paths.cache, { recursive: true, force: true })
      const got = await splitFeatures(studio.project.paths, bb, items, spec, hashes, () => {}, 4, 3)
      expect(got.imageIds).toEqual(whole.imageIds)
      expect(Array.from(got.labels)).toEqual(Array.from(whole.labels))
      expect(Array.from(got.features)).toEqual(Array.from(want))
      // One original gone and nothing cached: reported by image, the rest still extracted.
      fs.rmSync(studio.project.paths.cache, { recursive: true, force: true })
      fs.rmSync(studio.originalPath(studio.image(items[4]!.imageId)))
      const problems: PixelProblem[] = []
      const fewer = await splitFeatures(studio.project.paths, bb, items, spec, hashes, (p) => problems.push(p), 4, 3)
      expect(problems).toEqual([{ imageId: items[4]!.imageId, reason: 'original is missing from the project folder' }])
      expect(fewer.imageIds).toEqual(whole.imageIds.filter((id) => id !== items[4]!.imageId))
      expect(fewer.features.length).toBe(fewer.imageIds.length * bb.featureDim)
      bb.dispose()
    } finally {
      studio.close()
    }
  }, 60_000)
})

const shared = fs.existsSync(HYMENOPTERA) && fs.existsSync(path.join(SHARED, 'models/mobilenet_v1_0.25_224/model.json'))
if (!shared)
  console.warn(
    `SKIPPED hymenoptera transfer learning: ${SHARED} (data/hymenoptera, models/mobilenet_v1_0.25_224) is absent`,
  )

describe.skipIf(!shared)('transfer learning on the real hymenoptera photos', () => {
  it('MobileNet 0.25 + head reaches ≥ 88 % on the set’s own val split', () => {
    const proj = path.join(root, 'hym')
    studioJson(['init', proj])
    studioJson(['import', HYMENOPTERA, '--project', proj])
    const r = studioJson<{ status: string; val_accuracy: number }>([
      'train',
      '--project',
      proj,
      '--preset',
      'transfer',
      '--backbone',
      'mobilenet_v1_0.25_224',
      // The backbone path alone (bench:transfer measures the recipe).
      '--aug-copies',
      '0',
      '--input-size',
      '224',
      '--use-origin-splits',
      '--models-dir',
      path.join(SHARED, 'models'),
    ])
    expect(r.status).toBe('done')
    expect(r.val_accuracy).toBeGreaterThanOrEqual(0.88)
  }, 180_000)

  it('the same network as a graph model works as a backbone, and its export runs two-stage in a fresh process', () => {
    const proj = path.join(root, 'hym')
    const r = studioJson<{ run: number; status: string; val_accuracy: number }>([
      'train',
      '--project',
      proj,
      '--preset',
      'transfer',
      '--backbone',
      'mobilenet_v1_025_224_graph',
      '--aug-copies',
      '0',
      '--use-origin-splits',
      '--models-dir',
      path.join(SHARED, 'models'),
    ])
    expect(r.status).toBe('done')
    expect(r.val_accuracy).toBeGreaterThan(0.8)
    const out = path.join(root, 'hym-export')
    studioJson(['export', String(r.run), out, '--project', proj])
    expect(fs.existsSync(path.join(out, 'backbone', 'model.json'))).toBe(true)
    fs.symlinkSync(path.resolve('node_modules'), path.join(out, 'node_modules'))
    const bee = path.join(HYMENOPTERA, 'val', 'bees', fs.readdirSync(path.join(HYMENOPTERA, 'val', 'bees'))[0]!)
    const fresh = spawnSync(process.execPath, [path.join(out, 'predict.mjs'), bee], {
      encoding: 'utf8',
      timeout: 120_000,
    })
    expect(fresh.status, fresh.stderr).toBe(0)
    const inStudio = studioJson<{ predictions: { probabilities: Record<string, number> }[] }>([
      'predict',
      String(r.run),
      bee,
      '--project',
      proj,
    ])
    const exported = JSON.parse(fresh.stdout.trim()) as { probabilities: Record<string, number> }
    for (const c of ['ants', 'bees']) {
      expect(Math.abs(exported.probabilities[c]! - inStudio.predictions[0]!.probabilities[c]!)).toBeLessThan(1e-4)
    }
  }, 180_000)
})
