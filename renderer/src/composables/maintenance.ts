import type { BackupDto, CheckDto, CheckProblemDto, CheckRepairDto } from '../../../preload/contract'
import type { JobState } from './jobs'
import { plural } from './messages'

/** How many repaired files and problems the Settings view lists; the CLI's `studio check` lists all. */
export const LIST_MAX = 100

/** The check's outcome in a few lines for people. */
export function checkLines(r: CheckDto): string[] {
  const lines = [
    r.database === 'ok' ? 'Database: sound.' : 'Database: DAMAGED (see below).',
    `${r.originalsOk} of ${plural(r.images, 'original')} match their SHA-256.`,
  ]
  if (!r.complete)
    lines.unshift(`Cancelled after ${r.checked} of ${plural(r.images, 'image')}; the rest was not checked.`)
  if (r.repairedOriginals) lines.push(`${plural(r.repairedOriginals, 'original')} restored from the import folder.`)
  lines.push(
    r.repairedThumbnails ? `${plural(r.repairedThumbnails, 'thumbnail')} made again.` : 'Every thumbnail is present.',
  )
  if (r.gpsCounted) lines.push(`GPS counted for ${plural(r.gpsCounted, 'earlier image')}.`)
  lines.push(
    r.problems.length
      ? `${plural(r.problems.length, 'problem')} could not be repaired:`
      : r.complete
        ? 'Nothing left to repair.'
        : 'Nothing unrepaired so far.',
  )
  return lines
}

/**
 * What a check or backup job is doing, as the engine words it ("120 of 480 originals verified",
 * "copying the database"); its counts otherwise.
 */
export function jobMessage(j: JobState): string {
  if (j.status === 'starting') return 'starting…'
  return j.message ?? `${j.done} of ${j.total}`
}

/** A repaired file or a problem as the list shows it: the image's name first, then what happened. */
export function repairText(r: CheckRepairDto): string {
  const what = r.kind === 'original' ? 'original written back from its import source' : 'thumbnail made again'
  return `${r.name ?? `image ${r.imageId}`}: ${what}`
}

export function problemTitle(p: CheckProblemDto): string {
  if (p.kind === 'database') return 'Database'
  return p.name ?? (p.imageId === null ? p.file : `image ${p.imageId}`)
}

/** The first `LIST_MAX` items and how many more there are. */
export function firstOf<T>(items: T[]): { shown: T[]; more: number } {
  return { shown: items.slice(0, LIST_MAX), more: Math.max(0, items.length - LIST_MAX) }
}

/** 1.2 MB, 340 KB, 12 bytes: decimal units, as file managers show sizes. */
export function sizeText(bytes: number): string {
  if (bytes < 1000) return plural(bytes, 'byte')
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(0)} KB`
  if (bytes < 1e9) return `${(bytes / 1e6).toFixed(1)} MB`
  return `${(bytes / 1e9).toFixed(2)} GB`
}

/** What a finished backup says: what went in, how big, where. */
export function backupDoneText(b: BackupDto): string {
  const replaced = b.replaced ? ', replacing the earlier backup' : ''
  return (
    `Backed up ${plural(b.images, 'image')} and ${plural(b.runs, 'run')}: ${sizeText(b.bytes)} written to ` +
    `${b.file}${replaced}.`
  )
}

/** The start request's refusal because the file exists (and may be replaced after the user confirms). */
export function isExistsRefusal(err: unknown): boolean {
  const e = err as { name?: string; message?: string }
  return e?.name === 'ConflictError' && /already exists/.test(e.message ?? '')
}
