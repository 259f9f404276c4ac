import { createHash } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { isRunning } from '../lock'

/**
 * The hidden folders and zips an export writes before they get their names (model export and
 * dataset export alike): `.<name>.partial-<host>-<pid>-<ms>` beside the destination. The name is its
 * own lock marker: which machine and process writes it, and since when. A process that crashes
 * (or is killed) midway cannot remove its partial; the next export to the same folder does.
 */

/** Six hex digits of this machine's name: a partial on a shared drive may belong to another machine's export. */
const HOST = createHash('sha256').update(os.hostname()).digest('hex').slice(0, 6)

/** A temporary name beside `target`: same file system (the rename is atomic), hidden, this process's. */
export function partialName(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.partial-${HOST}-${process.pid}-${Date.now()}`)
}

/** `.<name>.partial-[<host>-]<pid>-<ms>`; the host tag is optional so names written before it are recognised. */
const PARTIAL = /^\..+\.partial-(?:([0-9a-f]{6})-)?(\d+)-(\d+)$/

/** Who wrote a partial, read from its name; null for any other name. */
export function partialOwner(name: string): { host: string | null; pid: number; writtenAt: number } | null {
  const m = PARTIAL.exec(name)
  if (!m) return null
  return { host: m[1] ?? null, pid: Number(m[2]), writtenAt: Number(m[3]) }
}

/**
 * Removes the partials in `parent` left by exports whose process is gone: written on this machine
 * (another machine's export on a shared drive is never touched), by a pid that no longer runs, or
 * that now belongs to a process started after the partial was named (pids are reused). A partial of
 * a live export, this process's included, stays. Resolves with the names removed; a partial that
 * cannot be removed (permissions) is left as it is: it never stops the export that found it.
 */
export async function removeStalePartials(parent: string): Promise<string[]> {
  let names: string[]
  try {
    names = await fs.promises.readdir(parent)
  } catch {
    return []
  }
  const removed: string[] = []
  for (const name of names) {
    const owner = partialOwner(name)
    if (!owner || (owner.host !== null && owner.host !== HOST)) continue
    if (isRunning({ pid: owner.pid, start: null, writtenAt: owner.writtenAt })) continue
    try {
      await fs.promises.rm(path.join(parent, name), { recursive: true, force: true })
      removed.push(name)
    } catch {
      // Not ours to fight over: it stays until someone can remove it.
    }
  }
  return removed
}
