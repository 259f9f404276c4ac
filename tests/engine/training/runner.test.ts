import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { writeShapes } from '../../../main/cli/demo-shapes'
import { entryOf } from '../../../main/engine/entries'
import { ProjectLockedError, ValidationError } from '../../../main/engine/errors'
import { Studio } from '../../../main/engine/studio'
import type { TrainEvent } from '../../../main/engine/training/events'
import { resumeTraining, startTraining } from '../../../main/engine/training/runner'
import { buildAppIf } from '../../helpers/build'
import { makeImages, tmpDir } from '../../helpers/fixtures'
import { trainInProcess } from '../../helpers/training'

const root = tmpDir()
let studio: Studio
// The classic layers at 32 px (no padding): the disk-full test's 8 MB holds one checkpoint of them.
const quick = { epochs: 3, inputSize: 32, batchSize: 16, patience: null, samePadding: 0 }

beforeAll(async () => {
  await writeShapes(path.join(root, 'shapes'), 30)
  studio = Studio.init(path.join(root, 'proj'))
  await studio.import(path.join(root, 'shapes'))
}, 60_000)

describe('training in a child process', () => {
  it('cancels within a batch, is recorded as cancelled, and resumes from its checkpoint to the end', async () => {
    let afterCancel = -1
    const h = startTraining(studio, { ...quick, epochs: 4, batchSize: 4 }, (e) => {
      if (afterCancel >= 0 && e.type === 'batch') afterCancel++
      if (e.type === 'epoch' && e.epoch === 1) {
        h.cancel()
        afterCancel = 0
      }
    })
    expect(await h.done).toBe('cancelled')
    // Batches already under way when the message arrived may finish; no more than that.
    expect(afterCancel).toBeLessThanOrEqual(2)
    expect(studio.store.runs.get(h.runId)).toMatchObject({ status: 'cancelled', epochsDone: 1 })

    const resumed: TrainEvent[] = []
    const r = resumeTraining(studio, h.runId, (e) => resumed.push(e))
    expect(await r.done).toBe('done')
    expect(resumed.find((e) => e.type === 'start')).toMatchObject({ startEpoch: 1 })
    expect(resumed.filter((e) => e.type === 'epoch').map((e) => (e as { epoch: number }).epoch)).toEqual([2, 3, 4])
    expect(studio.store.runs.epochs(h.runId).map((e) => e.epoch)).toEqual([1, 2, 3, 4])
    expect(studio.store.runs.get(h.runId)!.status).toBe('done')
  }, 120_000)

  it('a killed training process is recorded as failed and resumes from its last checkpoint', async () => {
    const h = startTraining(studio, quick, (e) => {
      if (e.type === 'epoch' && e.epoch === 1) process.kill(h.pid, 'SIGKILL')
    })
    expect(await h.done).toBe('failed')
    expect(studio.store.runs.get(h.runId)!.error).toMatch(/ended unexpectedly \(signal SIGKILL\); resume it/)
    const r = resumeTraining(studio, h.runId)
    expect(await r.done).toBe('done')
    expect(studio.store.runs.epochs(h.runId).map((e) => e.epoch)).toEqual([1, 2, 3])
  }, 120_000)

  it('the built app trains through its bundled worker (out/main/worker.js), as the packaged Electron app does', async () => {
    const repo = path.resolve(import.meta.dirname, '../../..')
    const worker = path.join(repo, 'out/main/worker.js')
    buildAppIf(() => !fs.existsSync(worker))
    const events: TrainEvent[] = []
    const h = startTraining(studio, { ...quick, epochs: 1 }, (e) => events.push(e), { workerEntry: worker })
    expect(await h.done).toBe('done')
    expect(events.find((e) => e.type === 'start')).toMatchObject({ backend: 'wasm' })
    expect(studio.store.runs.get(h.runId)).toMatchObject({ status: 'done', epochsDone: 1 })
  }, 120_000)

  it('from source the trainer is worker.ts through tsx (STUDIO_CLI=source), else the command’s build of it', async () => {
    const repo = path.resolve(import.meta.dirname, '../../..')
    const source = path.join(repo, 'main/engine/training/worker.ts')
    const here = pathToFileURL(path.join(repo, 'main/engine/training/runner.ts')).href
    // The test run's global setup built the command from these sources.
    expect(entryOf('worker', here)).toBe(path.join(repo, 'out/cli/worker.js'))
    expect(entryOf('worker', pathToFileURL(path.join(repo, 'out/main/index.js')).href)).toBe(
      path.join(repo, 'out/main/worker.js'),
    )
    const before = process.env.STUDIO_CLI
    process.env.STUDIO_CLI = 'source'
    try {
      expect(entryOf('worker', here)).toBe(source)
      const events: TrainEvent[] = []
      const h = startTraining(studio, { ...quick, epochs: 1 }, (e) => events.push(e))
      expect(await h.done).toBe('done')
      expect(events.find((e) => e.type === 'start')).toMatchObject({ backend: 'wasm' })
    } finally {
      if (before === undefined) delete process.env.STUDIO_CLI
      else process.env.STUDIO_CLI = before
    }
  }, 120_000)

  it('allows one training run at a time per project', async () => {
    const h = startTraining(studio, { ...quick, epochs: 1 })
    expect(() => startTraining(studio, quick)).toThrow(ProjectLockedError)
    expect(() => startTraining(studio, quick)).toThrow(/A training run is already running/)
    await h.done
  }, 60_000)
})

describe('bad training input', () => {
  it('unlabeled-only, one class, a class with 1 image: a clear error and no run recorded', async () => {
    const dir = path.join(root, 'bad')
    await makeImages(path.join(dir, 'flat'), 3, 0)
    const s = Studio.init(path.join(dir, 'proj'))
    await s.import(path.join(dir, 'flat'))
    expect(() => startTraining(s, quick)).toThrow(/no labeled images/)
    const ids = s.store.images.page({}).items.map((i) => i.id)
    s.labels.createClass('a')
    s.labels.setLabels(ids, 'a')
    expect(() => startTraining(s, quick)).toThrow(/at least 2 classes/)
    s.labels.createClass('b')
    s.labels.setLabels([ids[0]!], 'b')
    expect(() => startTraining(s, quick)).toThrow(ValidationError)
    expect(() => startTraining(s, quick)).toThrow(/class "[ab]" has \d labeled images?; the/)
    expect(() => startTraining(s, { ...quick, epochs: 0 })).toThrow(/epochs must be/)
    expect(s.store.runs.list()).toEqual([])
    s.close()
  })

  it('an image deleted from disk after versioning is reported and the run continues', async () => {
    const victim = studio.store.images.page({ limit: 1 }).items[0]!
    fs.rmSync(studio.originalPath(victim))
    fs.rmSync(path.join(studio.root, 'cache'), { recursive: true, force: true })
    const events: TrainEvent[] = []
    const id = await trainInProcess(studio, { ...quick, epochs: 1 }, events)
    const run = studio.store.runs.get(id)!
    expect(run.status).toBe('done')
    expect(JSON.parse(run.problems!)).toEqual([
      { imageId: victim.id, reason: 'original is missing from the project folder' },
    ])
    expect(events).toContainEqual({
      type: 'problem',
      runId: id,
      imageId: victim.id,
      reason: 'original is missing from the project folder',
    })
  }, 60_000)

  it('a NaN loss stops the run with a clear message', async () => {
    const id = await trainInProcess(studio, { ...quick, optimizer: 'adam', learningRate: 1e8, epochs: 2 })
    const run = studio.store.runs.get(id)!
    expect(run.status).toBe('failed')
    expect(run.error).toMatch(/(loss|outputs) became (NaN|Infinity).* epoch \d.*training stopped.*lower learning rate/)
  }, 60_000)
})

describe('disk full while checkpointing', () => {
  it('fails the run cleanly and keeps the previous checkpoint', async (ctx) => {
    const runsDir = path.join(studio.root, 'runs')
    fs.mkdirSync(runsDir, { recursive: true })
    const nextRun = studio.store.runs.list().length + 1
    // An 8 MB file system under runs/: the first checkpoint (~4.3 MB with Adam's slots) and best/
    // fit, the second checkpoint's temporary copy does not.
    fs.renameSync(runsDir, `${runsDir}.real`)
    fs.mkdirSync(runsDir)
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', runsDir]).status === 0
    if (!mounted) {
      fs.rmdirSync(runsDir)
      fs.renameSync(`${runsDir}.real`, runsDir)
      // Skipped, not passed: the reporter shows it as skipped, with the reason.
      const reason = 'cannot mount a small tmpfs here (needs root and mount permission)'
      console.warn(`SKIPPED disk-full checkpoint test: ${reason}`)
      ctx.skip(reason)
    }
    try {
      const id = await trainInProcess(studio, { ...quick, epochs: 3 })
      expect(id).toBe(nextRun)
      const run = studio.store.runs.get(id)!
      expect(run.status).toBe('failed')
      expect(run.error).toMatch(/ENOSPC|no space/i)
      const ckpt = path.join(runsDir, String(id), 'checkpoint')
      expect(JSON.parse(fs.readFileSync(path.join(ckpt, 'state.json'), 'utf8'))).toMatchObject({ epoch: 1 })
      expect(fs.existsSync(`${ckpt}.partial`)).toBe(false)
      expect(studio.store.runs.epochs(id).map((e) => e.epoch)).toEqual([1])
    } finally {
      spawnSync('umount', [runsDir])
      fs.rmdirSync(runsDir)
      fs.renameSync(`${runsDir}.real`, runsDir)
    }
  }, 60_000)
})
