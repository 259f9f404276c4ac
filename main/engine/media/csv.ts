import fs from 'node:fs/promises'
import path from 'node:path'
import { parse } from 'csv-parse/sync'
import { MAX_VALUE, nameProblem } from '../attributes/attributes'
import { errorMessage, ImportSourceError } from '../errors'
import type { ScanItem, ScanProblem, ScanResult } from './scan'

/**
 * Columns a CSV may have. `path` is required (relative to the CSV's folder); `label` and `origin` optional.
 * Any other column of a header row is an image attribute (`site`, `camera`, …) named by its header.
 */
export const CSV_COLUMNS = ['path', 'label', 'origin'] as const

/**
 * Reads a `path,label[,origin][,attribute…]` CSV. A header row is optional; without one the columns are
 * `path,label`. Row problems (escaping paths, blank labels, columns that cannot name an attribute)
 * become import errors; the rest imports.
 */
export async function scanCsv(csvPath: string): Promise<ScanResult> {
  const name = path.basename(csvPath)
  const dir = path.dirname(path.resolve(csvPath))
  let rows: string[][]
  try {
    rows = parse(await fs.readFile(csvPath), {
      bom: true,
      relax_column_count: true,
      skip_empty_lines: true,
    }) as string[][]
  } catch (err) {
    throw new ImportSourceError(`${csvPath} is not a readable CSV: ${errorMessage(err)}`)
  }
  rows = rows.map((r) => r.map(unquoteCell))
  const problems: ScanProblem[] = []
  const first = (rows[0] ?? []).map((c) => c.trim().toLowerCase())
  const hasHeader = first.includes('path')
  let col: Record<(typeof CSV_COLUMNS)[number], number> = { path: 0, label: 1, origin: -1 }
  const attrCols: { index: number; name: string }[] = []
  if (hasHeader) {
    // `split` (as Studio's dataset export writes it) is the origin where there is no `origin` column.
    const origin = first.includes('origin') ? first.indexOf('origin') : first.indexOf('split')
    col = { path: first.indexOf('path'), label: first.indexOf('label'), origin }
    first.forEach((c, i) => {
      if ((CSV_COLUMNS as readonly string[]).includes(c) || i === origin) return
      const taken = attrCols.some((a) => a.name === c)
      const problem = taken ? `${JSON.stringify(c)} is already a column` : nameProblem(c)
      if (problem === null) attrCols.push({ index: i, name: c })
      else {
        problems.push({
          rel: `${name}:1:${i + 1}`,
          reason:
            `${name}: column ${JSON.stringify(rows[0]![i])} cannot be an attribute (${problem}); ` +
            'its values are ignored',
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
    const rawLabel = col.label >= 0 ? (row[col.label] ?? '') : ''
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
    const attributes: Record<string, string> = {}
    for (const a of attrCols) {
      const value = (row[a.index] ?? '').trim()
      if (value.length > MAX_VALUE) problem(`${a.name} is longer than ${MAX_VALUE} characters; not kept`)
      else if (value) attributes[a.name] = value
    }
    const label = rawLabel.trim() || null
    items.push({ abs, rel: relPosix, label, origin, ...(attrCols.length ? { attributes } : {}) })
  })
  return { kind: 'csv', items, problems, ignored: 0, skipped: [] }
}

/**
 * A cell as it was before a spreadsheet-safe writer (Studio's dataset export, OWASP's advice)
 * put a `'` before a leading `=`, `+`, `-`, `@`, tab or carriage return: that one `'` goes, so
 * labels survive export → import (export-data/data-files.ts `csvCell` writes the other half).
 */
export function unquoteCell(cell: string): string {
  return /^'+[=+\-@\t\r]/.test(cell) ? cell.slice(1) : cell
}
