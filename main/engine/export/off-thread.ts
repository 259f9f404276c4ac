import { entryOf, startThread } from '../entries'
import { StudioError } from '../errors'
import type { Studio } from '../studio'
import type { ExportResult } from './bundle'
import type { Destination } from './destination'
import type { ExportOptions } from './formats'

/** What the export thread is given (as workerData). */
export interface ExportJob {
  root: string
  openOptions: Studio['openOptions']
  runId: number
  dest: Destination
  /** Which model formats (formats.ts); default TF.js only. */
  opts: ExportOptions
}

export type ExportReply = { result: ExportResult } | { error: { name: string; message: string; engine: boolean } }

/** An engine error raised in the export thread, raised again here under its own name (so it maps to its status). */
class ExportThreadError extends StudioError {
  constructor(name: string, message: string) {
    super(message)
    this.name = name
  }
}

/**
 * Runs an export (destination already checked: destination.ts) in a worker thread and resolves with its result.
 * From source the thread loads export-worker.ts through tsx; in a build (electron-vite bundles this
 * file into out/main/index.js) it is out/main/export-worker.js, an entry of the same bundle.
 */
export function exportOffThread(
  studio: Studio,
  runId: number,
  dest: Destination,
  opts: ExportOptions = {},
): Promise<ExportResult> {
  // Only the two option fields cross to the thread (a caller may pass a whole request).
  const job: ExportJob = {
    root: studio.root,
    openOptions: studio.openOptions,
    runId,
    dest,
    opts: { format: opts.format, quantize: opts.quantize },
  }
  return new Promise((resolve, reject) => {
    const thread = startThread(entryOf('export-worker', import.meta.url), { workerData: job })
    let settled = false
    thread.once('message', (reply: ExportReply) => {
      settled = true
      if ('result' in reply) resolve(reply.result)
      else
        reject(
          reply.error.engine
            ? new ExportThreadError(reply.error.name, reply.error.message)
            : new Error(reply.error.message),
        )
    })
    thread.once('error', (err) => {
      settled = true
      reject(err)
    })
    thread.once('exit', (code) => {
      if (!settled) reject(new Error(`the export thread stopped (exit code ${code}) before it answered`))
    })
  })
}
