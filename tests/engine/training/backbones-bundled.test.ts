import fs from 'node:fs'
import path from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { writeShapes } from '../../../main/cli/demo-shapes'
import { cardExtras } from '../../../main/engine/export/notices'
import { Studio } from '../../../main/engine/studio'
import { copyClassifier, cutLayersFolder } from '../../../main/engine/training/backbone-cut'
import { sha256File } from '../../../main/engine/training/backbone-files'
import { readManifest } from '../../../main/engine/training/backbone-manifest'
import { bundledModelsDir } from '../../../main/engine/training/backbones'
import { selectBackend } from '../../../main/engine/training/backend'
import { loadModel } from '../../../main/engine/training/model-io'
import { loadBackbone } from '../../../main/engine/training/transfer'
import { SHARED, tmpDir } from '../../helpers/fixtures'
import { trainInProcess } from '../../helpers/training'

const root = tmpDir()
const NAMES = ['mobilenet_v1_0.25_224', 'mobilenet_v1_0.75_224']

beforeAll(async () => {
  await selectBackend('wasm')
})

describe('the bundled backbones (resources/models)', () => {
  it('are cut at conv_pw_13_relu, the ImageNet classifier beside them, and load with every file checked', async () => {
    for (const [name, features] of [
      [NAMES[0]!, 256],
      [NAMES[1]!, 768],
    ] as const) {
      const folder = path.join(bundledModelsDir(), name)
      const m = readManifest(folder)!
      expect(m).toMatchObject({ cutLayer: 'conv_pw_13_relu', featureSize: features, license: 'Apache-2.0' })
      expect(fs.existsSync(path.join(folder, 'group29-shard1of1'))).toBe(false) // conv_preds, as classifier.bin
      expect(m.classifier).toEqual({ file: 'classifier.bin', classes: 1000, layer: 'conv_preds' })
      expect(fs.readFileSync(path.join(folder, 'LICENSE'), 'utf8')).toMatch(/Apache License\s+Version 2\.0/)
      expect(fs.readFileSync(path.join(folder, 'SOURCE.md'), 'utf8')).toMatch(/Where the files came from/)
      const bb = await loadBackbone(bundledModelsDir(), name, { complete: true })
      expect([bb.inputSize, bb.featureDim, bb.scaling, bb.format]).toEqual([224, features, 'symmetric', 'layers'])
      expect(bb.path).toMatch(/fused convolutions/)
      expect(bb.classifier?.kernel.length).toBe(features * 1000)
      bb.dispose()
    }
  }, 120_000)

  it('train the transfer preset with no models folder at all', async () => {
    await writeShapes(path.join(root, 'shapes'), 6)
    const studio = Studio.init(path.join(root, 'proj'))
    await studio.import(path.join(root, 'shapes'))
    process.env.STUDIO_MODELS_DIR = path.join(root, 'no-models')
    try {
      const id = await trainInProcess(studio, { preset: 'transfer', backbone: NAMES[0], epochs: 2 })
      expect(studio.store.runs.get(id)).toMatchObject({ status: 'done', error: null })
      expect(fs.readdirSync(path.join(studio.root, 'cache', 'features'))).toEqual([`${NAMES[0]}-288-cover`])
      // The exported model holds the backbone's weights: its license and attribution travel with it.
      const extras = await cardExtras(studio, id)
      const license = fs.readFileSync(path.join(bundledModelsDir(), NAMES[0]!, 'LICENSE'))
      expect(Buffer.from(extras.files['backbone-license/LICENSE']!)).toEqual(license)
      expect(extras.files['backbone-license/SOURCE.md']).toBeDefined()
      expect(extras.sections.join('\n')).toMatch(/## Backbone license[\s\S]*\(backbone-license\/LICENSE\)/)
    } finally {
      delete process.env.STUDIO_MODELS_DIR
      studio.close()
    }
  }, 180_000)
})

const full = (name: string) => path.join(SHARED, 'models', name)
const shared = NAMES.every((n) => fs.existsSync(path.join(full(n), 'model.json')))
if (!shared) console.warn(`SKIPPED the cut-model checks: ${SHARED}/models has not both MobileNets`)

describe.skipIf(!shared)('the cut models against the full ones (../shared/models)', () => {
  it.each(NAMES)(
    "%s: the cut model's output is the full model's conv_pw_13_relu, and so are the features",
    async (name) => {
      const whole = await loadModel(full(name))
      const reference = tf.model({ inputs: whole.inputs, outputs: whole.getLayer('conv_pw_13_relu').output })
      const cut = await loadModel(path.join(bundledModelsDir(), name))
      const diff = tf.tidy(() => {
        const x = tf.randomUniform([2, 224, 224, 3], -1, 1, 'float32', 3)
        const a = reference.predict(x) as tf.Tensor
        const b = cut.predict(x) as tf.Tensor
        expect(b.shape).toEqual(a.shape)
        return a.sub(b).abs().max().dataSync()[0]!
      })
      expect(diff).toBe(0)
      whole.dispose()
      cut.dispose()
      // Pooled features, as transfer training computes them, from the shared folder and the bundled one.
      const a = await loadBackbone(path.join(SHARED, 'models'), name)
      const b = await loadBackbone(bundledModelsDir(), name, { complete: true })
      const [fa, fb] = tf.tidy(() => {
        const x = tf.randomUniform([2, 224, 224, 3], -1, 1, 'float32', 4) as tf.Tensor4D
        return [a.features(x).arraySync(), b.features(x).arraySync()]
      })
      expect(fb).toEqual(fa)
      a.dispose()
      b.dispose()
    },
    120_000,
  )

  it.each(NAMES)('%s: scripts/bundle-backbone.mjs reproduces the bundled files byte for byte', (name) => {
    const out = path.join(root, 'cut', name)
    const files = [
      ...cutLayersFolder(full(name), out, 'conv_pw_13_relu'),
      copyClassifier(full(name), out, 'conv_preds').file,
    ]
    const hashes = readManifest(path.join(bundledModelsDir(), name))!.sha256!
    expect(Object.fromEntries(files.map((f) => [f, sha256File(path.join(out, f))]))).toEqual(hashes)
  })
})
