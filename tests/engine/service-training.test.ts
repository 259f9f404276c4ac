import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import type { StudioEvent } from '../../preload/contract'
import { writeShapes } from '../../main/cli/demo-shapes'
import { StudioService } from '../../main/engine/service'
import { Studio } from '../../main/engine/studio'
import { tmpDir } from '../helpers/fixtures'

const root = tmpDir()
let studio: Studio

beforeAll(async () => {
  await writeShapes(path.join(root, 'shapes'), 10)
  studio = Studio.init(path.join(root, 'proj'))
  await studio.import(path.join(root, 'shapes'))
}, 60_000)

/** Resolves with the first train-status event that is not 'running'. */
function ended(events: StudioEvent[], runId: number): Promise<Extract<StudioEvent, { type: 'train-status' }>> {
  return new Promise((resolve) => {
    const poll = setInterval(() => {
      const e = events.find((x) => x.type === 'train-status' && x.runId === runId && x.status !== 'running')
      if (e && e.type === 'train-status') {
        clearInterval(poll)
        resolve(e)
      }
    }, 20)
  })
}

describe('training through the service', () => {
  it('announces a run’s end only once a new run can start, and resumes a cancelled run to the end', async () => {
    const events: StudioEvent[] = []
    const service = new StudioService(studio, (e) => events.push(e))
    const { runId } = await service.startTraining({ epochs: 6, inputSize: 24, patience: null })
    // Cancel once it trains, then Start the moment the end is announced: it must be accepted.
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (events.some((e) => e.type === 'train-batch' && e.runId === runId)) {
          clearInterval(poll)
          resolve()
        }
      }, 20)
    })
    await service.cancelTraining()
    expect((await ended(events, runId)).status).toBe('cancelled')
    const second = await service.startTraining({ epochs: 1, inputSize: 24 })
    expect(second.runId).not.toBe(runId)
    expect((await ended(events, second.runId)).status).toBe('done')

    // Resume the cancelled run: the same run, from its checkpoint to its own last epoch.
    const resumed = await service.resumeTraining({ runId })
    expect(resumed.runId).toBe(runId)
    const before = events.length
    const end = await new Promise<Extract<StudioEvent, { type: 'train-status' }>>((resolve) => {
      const poll = setInterval(() => {
        const e = events
          .slice(before)
          .find((x) => x.type === 'train-status' && x.runId === runId && x.status !== 'running')
        if (e && e.type === 'train-status') {
          clearInterval(poll)
          resolve(e)
        }
      }, 20)
    })
    expect(end.status).toBe('done')
    expect(studio.store.runs.get(runId)!.status).toBe('done')
    expect(studio.store.runs.get(runId)!.epochsDone).toBe(6)
    await expect(service.resumeTraining({ runId })).rejects.toThrow(/has finished/)
  }, 300_000)
})
