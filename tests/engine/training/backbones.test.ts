import fs from 'node:fs'
import path from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { sha256File } from '../../../main/engine/training/backbone-files'
import type { BackboneManifest } from '../../../main/engine/training/backbone-manifest'
import {
  backboneDto,
  bundledModelsDir,
  defaultBackbone,
  FALLBACK_BACKBONE,
  listBackboneEntries,
  locateBackbone,
  type BackboneFolders,
} from '../../../main/engine/training/backbones'
import { selectBackend } from '../../../main/engine/training/backend'
import { withDefaults } from '../../../main/engine/training/config'
import { folderSaver } from '../../../main/engine/training/model-io'
import { describePresets, presets } from '../../../main/engine/training/presets'
import { loadBackbone } from '../../../main/engine/training/transfer'
import { CLASS_SCORES_WEIGHT } from '../../../main/engine/training/transfer-recipe'
import { tmpDir } from '../../helpers/fixtures'

const root = tmpDir()
const user = path.join(root, 'models')
const empty = path.join(root, 'no-models')
const SMALL = 'mobilenet_v1_0.25_224'
const BEST = 'mobilenet_v1_0.75_224'

/** A 32 px layers model whose layer `feat` gives 6 features, with or without a backbone.json. */
async function writeSmallBackbone(dir: string, name: string, manifest: Partial<BackboneManifest> | null) {
  const m = tf.sequential()
  m.add(tf.layers.conv2d({ inputShape: [32, 32, 3], filters: 6, kernelSize: 3, name: 'feat' }))
  m.add(tf.layers.flatten())
  m.add(tf.layers.dense({ units: 2, activation: 'softmax' }))
  await m.save(folderSaver(path.join(dir, name)))
  m.dispose()
  if (!manifest) return
  const base = { name, title: `Small ${name}`, inputSize: 32, scaling: 'x/255', cutLayer: 'feat', featureSize: 6 }
  const full = { ...base, source: 'made by the test', license: 'MIT', ...manifest }
  fs.writeFileSync(path.join(dir, name, 'backbone.json'), JSON.stringify(full))
}

/** A copy of a bundled backbone folder into `dir`. */
function copyBundled(dir: string, name: string): string {
  const to = path.join(dir, name)
  fs.cpSync(path.join(bundledModelsDir(), name), to, { recursive: true })
  return to
}

const problems = (folders: BackboneFolders) =>
  Object.fromEntries(listBackboneEntries(folders).map((e) => [`${e.origin}:${e.name}`, e.problem]))

beforeAll(async () => {
  await selectBackend('wasm')
  fs.mkdirSync(empty)
  await writeSmallBackbone(user, 'plain', null)
  const small = path.join(user, 'small')
  await writeSmallBackbone(user, 'small', { imagenetTop1: 0.5 })
  const json = path.join(small, 'backbone.json')
  const m = JSON.parse(fs.readFileSync(json, 'utf8')) as BackboneManifest
  m.sha256 = {
    'model.json': sha256File(path.join(small, 'model.json')),
    'weights.bin': sha256File(path.join(small, 'weights.bin')),
  }
  fs.writeFileSync(json, JSON.stringify(m))
  await writeSmallBackbone(user, 'no-title', { title: '' })
  await writeSmallBackbone(user, 'renamed', { name: 'other' })
  await writeSmallBackbone(user, 'bad-cut', { cutLayer: 'nope' })
  fs.mkdirSync(path.join(user, 'not-json'))
  fs.writeFileSync(path.join(user, 'not-json', 'backbone.json'), '{"name": ')
  fs.mkdirSync(path.join(user, 'manifest-only'))
  fs.writeFileSync(path.join(user, 'manifest-only', 'backbone.json'), fs.readFileSync(json))
  fs.mkdirSync(path.join(user, 'graphy'))
  fs.writeFileSync(
    path.join(user, 'graphy', 'model.json'),
    JSON.stringify({ modelTopology: { node: [] }, weightsManifest: [] }),
  )
  fs.mkdirSync(path.join(user, 'no-weights'))
  fs.writeFileSync(
    path.join(user, 'no-weights', 'model.json'),
    JSON.stringify({ modelTopology: { config: { layers: [] } }, weightsManifest: [{ paths: ['w.bin'], weights: [] }] }),
  )
  fs.mkdirSync(path.join(user, 'just-a-folder'))
}, 60_000)

describe('the backbone registry', () => {
  it('lists the bundled backbones with their manifest: title, size, features, license, speed', () => {
    const entries = listBackboneEntries({ user: empty, bundled: bundledModelsDir() })
    expect(entries.map((e) => [e.origin, e.name, e.problem])).toEqual([
      ['bundled', SMALL, null],
      ['bundled', BEST, null],
    ])
    const best = backboneDto(entries[1]!)
    expect(best).toMatchObject({ title: 'MobileNet v1 0.75', inputSize: 224, featureSize: 768, license: 'Apache-2.0' })
    // The cut model only: no ImageNet classifier (3 MB) in the 10.4 MB the full model has.
    expect(best.bytes).toBeGreaterThan(7_000_000)
    expect(best.bytes).toBeLessThan(7_500_000)
    expect(best.imagesPerSecond).toBeGreaterThan(0)
    expect(best.speedMeasured).toMatch(/per second of CPU time .*: wasm backend, batch 32/)
    expect(backboneDto(entries[0]!)).toMatchObject({ featureSize: 256, parameters: 218_544 })
  })

  it('adds the models folder: a backbone.json folder and a known-layout one work, a malformed one is refused with why', () => {
    expect(problems({ user, bundled: bundledModelsDir() })).toEqual({
      [`bundled:${SMALL}`]: null,
      [`bundled:${BEST}`]: null,
      'models-folder:bad-cut': 'the model has no layer "nope" to cut at',
      'models-folder:graphy': "a graph model: Studio needs backbone.json's outputNode (the node giving the features)",
      'models-folder:manifest-only': expect.stringMatching(/names "small", but its folder is manifest-only/),
      'models-folder:no-title': expect.stringMatching(/^backbone\.json is malformed: title: Too small/),
      'models-folder:no-weights': 'weight file w.bin (listed in model.json) is missing',
      'models-folder:not-json': expect.stringMatching(/^backbone\.json is not valid JSON/),
      'models-folder:plain': null,
      'models-folder:renamed': 'backbone.json names "other", but its folder is renamed',
      'models-folder:small': null,
    })
    const small = listBackboneEntries({ user, bundled: empty }).find((e) => e.name === 'small')!
    expect(backboneDto(small)).toMatchObject({ title: 'Small small', origin: 'models-folder', featureSize: 6 })
    expect(() => locateBackbone({ user, bundled: empty }, 'bad-cut')).toThrow(
      /backbone bad-cut \(.*bad-cut\) cannot be used: the model has no layer "nope" to cut at/,
    )
    expect(() => locateBackbone({ user, bundled: empty }, 'nope')).toThrow(
      /backbone "nope" not found in the models folder/,
    )
  })

  it('loads a models-folder backbone by its manifest (cut layer, scaling) and checks its feature size', async () => {
    const bb = await loadBackbone(user, 'small')
    expect([bb.inputSize, bb.featureDim, bb.scaling]).toEqual([32, 6, 'unit'])
    bb.dispose()
    const json = path.join(user, 'small', 'backbone.json')
    const saved = fs.readFileSync(json, 'utf8')
    fs.writeFileSync(json, saved.replace('"featureSize":6', '"featureSize":7'))
    try {
      await expect(loadBackbone(user, 'small')).rejects.toThrow(/gives 6 features, but backbone\.json says 32px and 7/)
    } finally {
      fs.writeFileSync(json, saved)
    }
  })

  it('a models-folder backbone replaces a bundled one of the same name', () => {
    const mine = path.join(root, 'override')
    copyBundled(mine, SMALL)
    const entries = listBackboneEntries({ user: mine, bundled: bundledModelsDir() })
    expect(entries.map((e) => `${e.origin}:${e.name}`)).toEqual([`bundled:${BEST}`, `models-folder:${SMALL}`])
  })
})

describe('SHA-256 checks of bundled files', () => {
  it('a damaged file is refused by name, in the listing and when loading', async () => {
    const bundled = path.join(root, 'damaged')
    const folder = copyBundled(bundled, SMALL)
    const shard = path.join(folder, 'group37-shard1of1')
    const bytes = fs.readFileSync(shard)
    bytes[100] = bytes[100]! ^ 0xff
    fs.writeFileSync(shard, bytes)
    const reason = 'file group37-shard1of1 is damaged (its SHA-256 is not the one backbone.json lists)'
    expect(problems({ user: empty, bundled })).toEqual({ [`bundled:${SMALL}`]: reason })
    expect(() => locateBackbone({ user: empty, bundled }, SMALL)).toThrow(reason)
    await expect(loadBackbone(bundled, SMALL, { complete: true })).rejects.toThrow(`refused: ${reason}`)
    // Damaged after being listed (same size, the listing remembers the hash): loading hashes again.
    const good = path.join(root, 'late')
    const late = copyBundled(good, SMALL)
    expect(problems({ user: empty, bundled: good })).toEqual({ [`bundled:${SMALL}`]: null })
    fs.writeFileSync(path.join(late, 'group37-shard1of1'), bytes)
    await expect(loadBackbone(good, SMALL, { complete: true })).rejects.toThrow(reason)
  })

  it('a bundled backbone must list every model file; a missing file is named', () => {
    const bundled = path.join(root, 'unlisted')
    const folder = copyBundled(bundled, SMALL)
    const json = path.join(folder, 'backbone.json')
    const m = JSON.parse(fs.readFileSync(json, 'utf8')) as BackboneManifest
    delete m.sha256!['group5-shard1of1']
    fs.writeFileSync(json, JSON.stringify(m))
    expect(problems({ user: empty, bundled })).toEqual({
      [`bundled:${SMALL}`]: 'backbone.json lists no SHA-256 for group5-shard1of1',
    })
    // The same folder in the models folder is the user's: hashes there are optional.
    expect(problems({ user: bundled, bundled: empty })).toEqual({ [`models-folder:${SMALL}`]: null })
    fs.rmSync(path.join(folder, 'group6-shard1of1'))
    expect(problems({ user: bundled, bundled: empty })).toEqual({
      [`models-folder:${SMALL}`]: 'weight file group6-shard1of1 (listed in model.json) is missing',
    })
  })
})

describe('the default backbone', () => {
  it('is the best usable one: 0.75 when present, else 0.25, else the fallback name', () => {
    const bundled = path.join(root, 'defaults')
    expect(defaultBackbone(listBackboneEntries({ user: empty, bundled: bundledModelsDir() }))).toBe(BEST)
    copyBundled(bundled, SMALL)
    expect(defaultBackbone(listBackboneEntries({ user: empty, bundled }))).toBe(SMALL)
    const best = copyBundled(bundled, BEST)
    fs.appendFileSync(path.join(best, 'model.json'), ' ')
    expect(defaultBackbone(listBackboneEntries({ user: empty, bundled }))).toBe(SMALL)
    expect(defaultBackbone(listBackboneEntries({ user: empty, bundled: empty }))).toBe(FALLBACK_BACKBONE)
    // A models-folder backbone with a higher ImageNet top-1 is preferred.
    expect(defaultBackbone(listBackboneEntries({ user, bundled }))).toBe(SMALL)
    const better = path.join(root, 'better')
    fs.cpSync(path.join(user, 'small'), path.join(better, 'small'), { recursive: true })
    const json = path.join(better, 'small', 'backbone.json')
    fs.writeFileSync(json, fs.readFileSync(json, 'utf8').replace('"imagenetTop1":0.5', '"imagenetTop1":0.77'))
    expect(defaultBackbone(listBackboneEntries({ user: better, bundled: bundledModelsDir() }))).toBe('small')
  })

  it('is what the presets request and a run without a backbone get, with the input size it takes', () => {
    expect(withDefaults({ preset: 'transfer' }, presets, { modelsDir: empty })).toMatchObject({
      backbone: BEST,
      // The bundled MobileNets train at their backbone.json's trainSize (convolutional up to the cut).
      inputSize: 288,
    })
    // A chosen backbone brings its own input size.
    expect(withDefaults({ preset: 'transfer', backbone: 'small' }, presets, { modelsDir: user })).toMatchObject({
      backbone: 'small',
      inputSize: 32,
    })
    const transfer = describePresets(presets, { modelsDir: user }).find((p) => p.name === 'transfer')!
    expect(transfer.defaults.backbone).toBe(BEST)
    expect(transfer.inputSize).toEqual({ min: 288, max: 288 })
    expect(transfer.backbones?.map((b) => [b.name, b.problem === null])).toEqual([
      [SMALL, true],
      [BEST, true],
      ['bad-cut', false],
      ['graphy', false],
      ['manifest-only', false],
      ['no-title', false],
      ['no-weights', false],
      ['not-json', false],
      ['plain', true],
      ['renamed', false],
      ['small', true],
    ])
    // Both bundled MobileNets ship their ImageNet classifier (class scores); the test folders' do not.
    expect(transfer.backbones?.filter((b) => b.problem === null).map((b) => [b.name, b.classifier])).toEqual([
      [SMALL, true],
      [BEST, true],
      ['plain', false],
      ['small', false],
    ])
    expect(transfer.transfer?.classScores).toBe(CLASS_SCORES_WEIGHT)
    expect(describePresets(presets, { modelsDir: user }).find((p) => p.name === 'seed-cnn')).not.toHaveProperty(
      'backbones',
    )
  })
})
