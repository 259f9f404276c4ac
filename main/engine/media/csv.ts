import fs from 'node:fs/promises'
import path from 'node:path'
import { parse } from 'csv-parse/sync'
import { errorMessage, ImportSourceError } from '../errors'
import type { ScanItem, ScanProblem, ScanResult } from './scan'

/** Columns a CSV may have. `path` is required (relative to the CSV's folder); `label` and `origin` optional. */
export const CSV_COLUMNS = ['path', 'label', 'origin'] as const

/**
 * Reads a `path,label[,origin]` CSV. A header row is optional; without one the columns are `path,label`.
 * Row problems (escaping paths, blank labels, unknown columns) become import errors; the rest imports.
 */
export async function scanCsv(csvPath: string): Promise<ScanResult> {
  const name = path.basename(csvPath)
  const dir = path.dirname(path.resolve(csvPath))
  let rows: string[][]
  try {
    rows = parse(await fs.readFile(csvPath), { bom: true, relax_column_count: true, skip_empty_lines: true }) as string[][]
  } catch (err) {
    throw new ImportSourceError(`${csvPath} is not a readable CSV: ${errorMessage(err)}`)
  }
  const problems: ScanProblem[] = []
  const first = (rows[0] ?? []).map((c) => c.trim().toLowerCase())
  const hasHeader = first.includes('path')
  let col: Record<(typeof CSV_COLUMNS)[number], number> = { path: 0, label: 1, origin: -1 }
  if (hasHeader) {
    col = { path: first.indexOf('path'), label: first.indexOf('label'), origin: first.indexOf('origin') }
    first.forEach((c, i) => {
      if (!(CSV_COLUMNS as readonly string[]).includes(c)) {
        problems.push({
          rel: `${name}:1:${i + 1}`,
          reason: `${name}: unknown column ${JSON.stringify(rows[0]![i])} (known: ${CSV_COLUMNS.join(', ')}); its values are ignored`,
        })
      }
    })
  } else if (first.includes('label') || first.includes('filename')) {
    throw new ImportSourceError(`${csvPath} has a header without a "path" column (columns: ${rows[0]!.join(', ')})`)
  }
  const items: ScanItem[] = []
  const seen = new Map<string, number>()
  rows.forEach((row, i) => {
    if (hasHeader && i === 0) return
    const line = i + 1
    const key = `${name}:${line}`
    const problem = (reason: string) => problems.push({ rel: key, reason: `${name} row ${line}: ${reason}` })
    if (!hasHeader && row.length > 2) return problem(`has ${row.length} columns; expected path,label`)
    const p = (row[col.path] ?? '').trim()
    if (!p) return problem('path is empty')
    const rawLabel = col.label >= 0 ? row[col.label] ?? '' : ''
    if (rawLabel !== '' && rawLabel.trim() === '') return problem(`label for ${JSON.stringify(p)} is only whitespace`)
    const abs = path.resolve(dir, p)
    const rel = path.relative(dir, abs)
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) {
      return problem(`path ${JSON.stringify(p)} is outside the CSV's folder`)
    }
    const relPosix = rel.split(path.sep).join('/')
    const earlier = seen.get(relPosix)
    if (earlier !== undefined) return problem(`${JSON.stringify(p)} is already listed on row ${earlier}`)
    seen.set(relPosix, line)
    const origin = col.origin >= 0 ? (row[col.origin] ?? '').trim() || null : null
    items.push({ abs, rel: relPosix, label: rawLabel.trim() || null, origin })
  })
  return { kind: 'csv', items, problems, ignored: 0, skipped: [] }
}
