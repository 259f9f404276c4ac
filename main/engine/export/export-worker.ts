import { parentPort, workerData } from 'node:worker_threads'
import { errorMessage, StudioError } from '../errors'
import { Studio } from '../studio'
import { writeExport } from './destination'
import type { ExportJob, ExportReply } from './off-thread'

/**
 * The export thread: opens its own connection to the project, creates the checked destination,
 * writes the bundle and answers once. Reading the model, writing the files and zipping them all
 * happen here, so the server and the window keep answering meanwhile.
 */
function run(job: ExportJob): ExportReply {
  let studio: Studio | null = null
  try {
    studio = Studio.open(job.root, job.openOptions)
    return { result: writeExport(studio, job.runId, job.dest, job.opts) }
  } catch (err) {
    const engine = err instanceof StudioError
    return { error: { name: engine ? err.name : 'Error', message: errorMessage(err), engine } }
  } finally {
    studio?.close()
  }
}

const job: ExportJob | undefined = workerData
if (parentPort && job) parentPort.postMessage(run(job))
