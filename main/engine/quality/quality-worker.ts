import { parentPort, workerData } from 'node:worker_threads'
import { errorMessage, StudioError } from '../errors'
import { computeFeatureDups } from '../health/feature-job'
import { Studio } from '../studio'
import { runLabelCheck } from './check'
import type { QualityJob, QualityMessage } from './off-thread'
import { scoreRun } from './scoring'

/**
 * The quality thread: opens its own connection to the project and runs one scoring, label check
 * (decoding, the model, the cross-validated heads) or feature near-duplicate grouping, so the
 * server and the window keep answering.
 * Progress goes back as messages; a `cancel` message stops it at its next chunk or fold.
 */
async function run(job: QualityJob, post: (m: QualityMessage) => void, signal: AbortSignal): Promise<void> {
  let studio: Studio | null = null
  try {
    studio = Studio.open(job.root, job.openOptions)
    if (job.kind === 'score') {
      const result = await scoreRun(studio, job.runId, {
        signal,
        onProgress: (done, total) => post({ type: 'progress', done, total, message: 'scoring images' }),
      })
      post({ type: 'done', kind: 'score', result })
    } else if (job.kind === 'feature-dups') {
      // One synchronous computation: a cancel terminates the thread after the grace period.
      const result = computeFeatureDups(studio, (done, total) =>
        post({ type: 'progress', done, total, message: 'comparing backbone features' }),
      )
      post({ type: 'done', kind: 'feature-dups', result })
    } else {
      const result = await runLabelCheck(studio, {
        backbone: job.backbone,
        modelsDir: job.modelsDir,
        signal,
        onCheck: (id) => post({ type: 'check', id }),
        onProgress: (done, total, phase) => post({ type: 'progress', done, total, message: phase }),
      })
      post({ type: 'done', kind: 'label-check', result })
    }
  } catch (err) {
    const engine = err instanceof StudioError
    post({ type: 'error', error: { name: engine ? err.name : 'Error', message: errorMessage(err), engine } })
  } finally {
    studio?.close()
  }
}

const job: QualityJob | undefined = workerData
const port = parentPort
if (port && job) {
  const controller = new AbortController()
  port.on('message', (m: { type?: string }) => {
    if (m.type === 'cancel') controller.abort()
  })
  void run(job, (m) => port.postMessage(m), controller.signal)
}
