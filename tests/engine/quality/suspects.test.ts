import fs from 'node:fs'
import path from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import type { StudioEvent } from '../../../preload/contract'
import { planLabelCheck, runLabelCheck } from '../../../main/engine/quality/check'
import { listSuspects } from '../../../main/engine/quality/suspects'
import { BACKBONE_URL } from '../../../main/engine/quality/label-check'
import { dataChecksOf } from '../../../main/engine/quality/card'
import { StudioService } from '../../../main/engine/service'
import { Studio } from '../../../main/engine/studio'
import { selectBackend } from '../../../main/engine/training/backend'
import { loadBackbone } from '../../../main/engine/training/transfer'
import { SHARED, tmpDir } from '../../helpers/fixtures'
import { jobFinished, writeTintedSet, writeTinyBackbone } from './fixtures'

// A tinted red/green/blue set with three labels known to be wrong, checked with a tiny backbone
// whose features are the mean colour (fixtures.ts): the check must find exactly those three.
const root = tmpDir()
const models = path.join(root, 'models')
const events: StudioEvent[] = []
let studio: Studio
let service: StudioService
let flipped: string[]

const idOf = (rel: string) => studio.image(rel).id

beforeAll(async () => {
  await selectBackend('wasm')
  await writeTinyBackbone(models)
  flipped = await writeTintedSet(path.join(root, 'src'), 15, {
    'red/3': 'green',
    'green/7': 'blue',
    'blue/11': 'red',
  })
  studio = Studio.init(path.join(root, 'proj'))
  await studio.import(path.join(root, 'src'))
  service = new StudioService(studio, (e) => events.push(e), models)
}, 60_000)

describe('label check as a job, and its suspects', () => {
  it('runs in a worker thread with progress, and finds exactly the flipped labels, most likely first', async () => {
    expect(await service.suspects({})).toEqual({ check: null, suspects: [], total: 0 })
    expect(await service.startLabelCheck({})).toEqual({ started: true })
    await expect(service.startLabelCheck({})).rejects.toThrow(/a label-check job is already running/)
    expect(await jobFinished(events, 'label-check')).toEqual({
      type: 'job-finished',
      kind: 'label-check',
      status: 'done',
      error: null,
    })
    const phases = new Set(events.flatMap((e) => (e.type === 'job-progress' ? [e.message] : [])))
    expect(phases).toEqual(new Set(['backbone features', 'cross-validation']))
    const r = await service.suspects({})
    expect(r.check).toMatchObject({ backbone: 'tiny', checked: 45, fresh: true })
    expect(r.total).toBe(3)
    expect(new Set(r.suspects.map((s) => s.path))).toEqual(new Set(flipped))
    for (const s of r.suspects) {
      // Written into the wrong class's folder: labeled by the folder, suggested by the file's own colour.
      expect(s.label).toBe(s.path.split('/')[0])
      expect(s.suggested).toBe(path.basename(s.path).split('-')[0])
      expect(s.score).toBeGreaterThan(0.5)
    }
    expect(r.suspects.map((s) => s.score)).toEqual([...r.suspects.map((s) => s.score)].sort((a, b) => b - a))
    expect((await service.suspects({ limit: 1 })).suspects).toEqual(r.suspects.slice(0, 1))
    // Browse's filter shows the same images.
    const page = await service.images({ suspects: true })
    expect(page.total).toBe(3)
    expect(new Set(page.items.map((i) => i.path))).toEqual(new Set(flipped))
  })

  it('accept relabels through the label log (undoable, the suspect comes back) and keeps the check fresh', async () => {
    const top = (await service.suspects({})).suspects[0]!
    const change = await service.decideSuspect({ imageId: top.imageId, decision: 'accept' })
    expect(change).toMatchObject({ changed: 1 })
    expect(studio.image(top.imageId).classId).toBe(top.suggestedClassId)
    expect(events.at(-1)).toEqual({ type: 'labels-changed' })
    const after = await service.suspects({})
    expect(after.check?.fresh).toBe(true)
    expect(after.suspects.map((s) => s.imageId)).not.toContain(top.imageId)
    expect(after.total).toBe(2)
    await service.undo()
    expect(studio.image(top.imageId).classId).toBe(top.labelClassId)
    expect((await service.suspects({})).suspects.map((s) => s.imageId)).toContain(top.imageId)
    await service.redo()
    expect(studio.image(top.imageId).classId).toBe(top.suggestedClassId)
  })

  it('relabel gives the class asked for; bad decisions are refused', async () => {
    const [s] = (await service.suspects({})).suspects
    const other = studio.labels.classes().find((c) => c.id !== s!.labelClassId && c.id !== s!.suggestedClassId)!
    await expect(service.decideSuspect({ imageId: s!.imageId, decision: 'relabel' })).rejects.toThrow(
      /relabel needs the class/,
    )
    expect(await service.decideSuspect({ imageId: s!.imageId, decision: 'relabel', classId: other.id })).toMatchObject({
      changed: 1,
    })
    expect(studio.image(s!.imageId).classId).toBe(other.id)
    await expect(service.decideSuspect({ imageId: idOf('red/red-00.jpg'), decision: 'accept' })).rejects.toThrow(
      /is not a suspect of the latest label check/,
    )
    expect((await service.suspects({})).total).toBe(1)
  })

  it('keep records the decision: the label stays and the same backbone does not suggest it again', async () => {
    const [kept] = (await service.suspects({})).suspects
    expect(await service.decideSuspect({ imageId: kept!.imageId, decision: 'keep' })).toEqual({
      actionId: null,
      changed: 0,
    })
    expect(studio.image(kept!.imageId).classId).toBe(kept!.labelClassId)
    expect(await service.suspects({})).toMatchObject({ suspects: [], total: 0 })
    expect(dataChecksOf(studio, '9999').labelCheck).toMatchObject({
      checked: 45,
      flagged: 3,
      undecided: 0,
      accepted: 1,
      relabeled: 1,
      kept: 1,
      fixedBeforeTraining: 2,
    })
    // No tensor is left behind but what loading the backbone itself leaves (training/transfer.ts).
    let tensors = tf.memory().numTensors
    ;(await loadBackbone(models, 'tiny')).dispose()
    const backboneLeak = tf.memory().numTensors - tensors
    tensors = tf.memory().numTensors
    const { checkId } = await runLabelCheck(studio, { modelsDir: models })
    expect(tf.memory().numTensors - tensors).toBe(backboneLeak)
    // The new check doubts the kept label again, but it is not listed.
    expect(studio.store.quality.checkItem(checkId, kept!.imageId)?.suggestedClassId).toBe(kept!.suggestedClassId)
    const again = await service.suspects({})
    expect(again.check?.id).toBe(checkId)
    expect(again.suspects.map((s) => s.imageId)).not.toContain(kept!.imageId)
    expect((await service.images({ suspects: true })).items.map((i) => i.id)).not.toContain(kept!.imageId)
  })

  it('any other label change makes the check stale: no suspects until the labels match again', async () => {
    const img = idOf('red/red-01.jpg')
    const red = studio.image(img).classId
    await service.setLabels({ imageIds: [img], classId: null })
    const stale = await service.suspects({})
    expect(stale.check?.fresh).toBe(false)
    expect(stale.suspects).toEqual([])
    expect(await service.images({ suspects: true })).toEqual({ items: [], nextCursor: null, total: 0 })
    await service.setLabels({ imageIds: [img], classId: red })
    expect((await service.suspects({})).check?.fresh).toBe(true)
  })
})

describe('a check that cannot run, or is cancelled', () => {
  it('no backbone: the clear NoBackboneError message, before any job starts', async () => {
    const empty = path.join(root, 'no-models')
    fs.mkdirSync(empty)
    const bare = new StudioService(studio, () => {}, empty)
    // Studio's own backbones serve when the models folder is empty; without them too, the check cannot run.
    process.env.STUDIO_BUNDLED_MODELS_DIR = empty
    try {
      await expect(bare.startLabelCheck({})).rejects.toMatchObject({
        name: 'NoBackboneError',
        message: expect.stringMatching(
          /label checks need a pretrained backbone .* has none \(set it with --models-dir/,
        ),
      })
      // And how to get one, into the folder it looked in: Studio is offline and never downloads.
      await expect(bare.startLabelCheck({})).rejects.toThrow(
        `download a TF.js MobileNet, e.g. ${BACKBONE_URL} with the weight files it lists (group1-shard1of1 …), ` +
          `into ${empty}/mobilenet_v1_0.25_224/`,
      )
    } finally {
      delete process.env.STUDIO_BUNDLED_MODELS_DIR
    }
    expect(planLabelCheck(studio, null, empty)).toMatchObject({ backbone: 'mobilenet_v1_0.75_224' })
    await expect(service.startLabelCheck({ backbone: 'nope' })).rejects.toThrow(/backbone "nope" not found/)
    expect(service.jobs.isRunning('label-check')).toBe(false)
  })

  it('one class only is refused with the reason', async () => {
    const one = Studio.init(path.join(root, 'one'))
    await one.import(path.join(root, 'src', 'red'))
    one.labels.setLabels([1, 2], one.labels.ensureClass('red').id)
    await expect(runLabelCheck(one, { modelsDir: models })).rejects.toThrow(
      /at least two classes \(this project has 1\)/,
    )
    one.close()
  })

  it('cancel stops the job; the last finished check stays the one suspects come from', async () => {
    const before = (await service.suspects({})).check!.id
    const from = events.length
    await service.startLabelCheck({})
    expect(await service.cancelJob({ kind: 'label-check' })).toEqual({ cancelled: true })
    expect((await jobFinished(events, 'label-check', from)).status).toBe('cancelled')
    expect((await service.suspects({})).check!.id).toBe(before)
    expect(await service.cancelJob({ kind: 'label-check' })).toEqual({ cancelled: false })
  })
})

const MOBILENET = 'mobilenet_v1_0.25_224'
const shared = fs.existsSync(path.join(SHARED, 'models', MOBILENET, 'model.json'))
if (!shared) console.log(`SKIPPED label check with a real backbone: ${SHARED}/models/${MOBILENET} is absent`)

describe.skipIf(!shared)('label check with a real MobileNet backbone (../shared/models)', () => {
  it('finds the same three flipped labels', async () => {
    const real = Studio.init(path.join(root, 'real'))
    await real.import(path.join(root, 'src'))
    const r = await runLabelCheck(real, { backbone: MOBILENET, modelsDir: path.join(SHARED, 'models') })
    expect(r).toMatchObject({ backbone: MOBILENET, checked: 45, problems: [] })
    expect(new Set(listSuspects(real).suspects.map((x) => x.path))).toEqual(new Set(flipped))
    real.close()
  })
})
