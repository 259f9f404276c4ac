import fs from 'node:fs/promises'
import { errorMessage } from '../errors'
import type { JobContext, Jobs } from '../jobs'
import { decodeBudget } from '../media/decode-budget'
import { originalPath } from '../media/thumbnails'
import type { Studio } from '../studio'
import { measure, signalPixels, type ImageSignals } from './signals'

/** Images measured per chunk: one transaction each, and the job yields to the event loop between chunks. */
export const BACKFILL_CHUNK = 32
/** At most this often (ms) the backfill says the report changed while it runs (and always at its end). */
const CHANGED_EVERY_MS = 10_000

/**
 * Images whose signals could not be measured (original missing or undecodable), per open project:
 * later backfills pass them by, and the report lists them as unreadable instead of pending forever.
 */
const failures = new WeakMap<Studio, Map<number, string>>()

export function backfillFailures(studio: Studio): ReadonlyMap<number, string> {
  return failuresOf(studio)
}

function failuresOf(studio: Studio): Map<number, string> {
  let f = failures.get(studio)
  if (!f) failures.set(studio, (f = new Map()))
  return f
}

/** Images still waiting for their signals (failed ones excluded). */
export function pendingSignals(studio: Studio): number {
  return Math.max(0, studio.store.health.unmeasuredCount() - failuresOf(studio).size)
}

/**
 * Measures the signals of every image imported before signals existed, in id order, chunk by
 * chunk: decodes run on libvips' threads (bounded by the decode budget), each chunk is written in
 * one transaction, and the loop yields between chunks so requests keep being answered. Stops at
 * the next chunk when `ctx.signal` aborts; what was written stays (a later run continues).
 * Returns how many images it measured.
 */
export async function backfillSignals(studio: Studio, ctx: JobContext, onChanged?: () => void): Promise<number> {
  const { health } = studio.store
  const failed = failuresOf(studio)
  const total = pendingSignals(studio)
  let done = 0
  let after = 0
  let lastChanged = Date.now()
  ctx.progress(0, total, 'measuring image signals')
  // A closed project (the window opened another) ends the job quietly, like a cancel.
  const open = () => studio.project.db.open && !ctx.signal.aborted
  while (open()) {
    const chunk = health.unmeasured(after, BACKFILL_CHUNK)
    if (!chunk.length) break
    after = chunk.at(-1)!.id
    const todo = chunk.filter((img) => !failed.has(img.id))
    const measured = await Promise.all(
      todo.map(async (img): Promise<[number, ImageSignals | string]> => {
        try {
          const buf = await fs.readFile(originalPath(studio.project.paths, img))
          // The original passed the pixel limit when it was imported.
          const px = await decodeBudget.run(img.width * img.height, () => signalPixels(buf, Number.MAX_SAFE_INTEGER))
          return [img.id, measure(px)]
        } catch (err) {
          return [
            img.id,
            (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'the original is missing' : errorMessage(err),
          ]
        }
      }),
    )
    if (!studio.project.db.open) break
    studio.store.tx(() => {
      for (const [id, s] of measured) {
        if (typeof s === 'string') failed.set(id, s)
        else health.setSignals(id, s)
      }
    })
    done += todo.length
    ctx.progress(Math.min(done, total), total, 'measuring image signals')
    if (onChanged && Date.now() - lastChanged > CHANGED_EVERY_MS) {
      lastChanged = Date.now()
      onChanged()
    }
    await new Promise<void>((resolve) => setImmediate(resolve))
  }
  if (studio.project.db.open) onChanged?.()
  return done
}

/**
 * Starts the backfill as the project's 'backfill' job when images wait for their signals and it is
 * not running already; returns whether it started. `onChanged` hears when the report may differ.
 */
export function startBackfill(studio: Studio, jobs: Jobs, onChanged?: () => void): boolean {
  if (jobs.isRunning('backfill') || pendingSignals(studio) === 0) return false
  void jobs.start('backfill', async (ctx) => {
    await backfillSignals(studio, ctx, onChanged)
  })
  return true
}
