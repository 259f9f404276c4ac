import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { parse } from 'csv-parse/sync'
import sharp from 'sharp'
import { Studio } from '../../../main/engine/studio'

/**
 * Hostile CSV imports: rows escaping the CSV's folder (traversal, absolute paths), NUL bytes in
 * paths and labels, and formula-like labels (`=`, `+`, `@`, `-`). Checks that the formulas are
 * stored as the text they are, that the dataset CSV export neutralises them (no cell a spreadsheet
 * would run), and that importing that export gives the same labels back.
 */

const STUDIO_BIN = path.resolve(import.meta.dirname, '../../../bin/studio.mjs')

export const FORMULAS = ['=HYPERLINK("http://198.51.100.1/?x","click")', "+cmd|'/c calc'!A0", '@SUM(1+1)*cmd', '-2+3']
/** A cell a spreadsheet-safe writer quoted: read as spreadsheets read it, without the `'`. */
const QUOTED = "'=quoted by a spreadsheet"

export interface CsvOutcome {
  rows: number
  failures: string[]
}

async function jpeg(file: string, seed: number): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  await sharp({
    create: { width: 24, height: 16, channels: 3, background: { r: seed * 40, g: 255 - seed * 30, b: seed * 7 } },
  })
    .jpeg()
    .toFile(file)
}

export async function csvChecks(root: string): Promise<CsvOutcome> {
  const failures: string[] = []
  const data = path.join(root, 'data')
  for (let i = 0; i < FORMULAS.length + 2; i++) await jpeg(path.join(data, 'pics', `p${i}.jpg`), i)
  await jpeg(path.join(root, 'outside.jpg'), 9)
  const q = (s: string) => `"${s.replace(/"/g, '""')}"`
  const hostile = [
    `../outside.jpg,x`,
    `pics/../../outside.jpg,x`,
    `${path.join(root, 'outside.jpg')},x`,
    `/etc/passwd,x`,
    `pics/p0.jpg\0.png,x`,
    `pics/p${FORMULAS.length}.jpg,${q('lab\0el')}`,
    `${q('pics/\0')},x`,
  ]
  const lines = [
    'path,label',
    ...FORMULAS.map((f, i) => `pics/p${i}.jpg,${q(f)}`),
    `pics/p${FORMULAS.length + 1}.jpg,${q(QUOTED)}`,
    ...hostile,
  ]
  fs.writeFileSync(path.join(data, 'list.csv'), lines.join('\n') + '\n')
  const proj = path.join(root, 'proj')
  const studio = Studio.init(proj)
  try {
    await studio.import(path.join(data, 'list.csv'))
  } catch (err) {
    failures.push(`CSV import threw: ${(err as Error).message}`)
  }
  const classes = studio.labels.classes().map((c) => c.name)
  for (const f of FORMULAS)
    if (!classes.includes(f)) failures.push(`formula label ${JSON.stringify(f)} not stored as text`)
  if (!classes.includes(QUOTED.slice(1)))
    failures.push(`the quoted cell ${JSON.stringify(QUOTED)} not read as its text`)
  const errors = studio.importErrors()
  for (const bad of ['../outside.jpg', 'pics/../../outside.jpg', path.join(root, 'outside.jpg'), '/etc/passwd'])
    if (!errors.some((e) => e.reason.includes(JSON.stringify(bad)) || e.path === bad))
      failures.push(`row escaping the CSV's folder not refused by name: ${bad}`)
  if (studio.store.integrityCheck() !== 'ok') failures.push('integrity after the CSV import')
  const images = studio.stats().images
  studio.close()
  if (images > FORMULAS.length + 2) failures.push(`${images} images imported: a row outside the folder got in`)

  // Every CSV Studio writes: the dataset export (format csv; splits.csv with a version, labels.csv without).
  const out = path.join(root, 'export')
  const r = spawnSync(process.execPath, [STUDIO_BIN, 'export-data', out, '--format', 'csv', '-p', proj, '--json'], {
    encoding: 'utf8',
  })
  if (r.status !== 0) {
    failures.push(`export-data failed: ${r.stderr.trim()}`)
    return { rows: lines.length - 1, failures }
  }
  for (const name of fs.readdirSync(out).filter((n) => n.endsWith('.csv'))) {
    const cells = (parse(fs.readFileSync(path.join(out, name)), { relax_column_count: true }) as string[][]).flat()
    const live = cells.filter((c) => /^[=+\-@\t\r]/.test(c))
    if (live.length)
      failures.push(`${name}: ${live.length} cells a spreadsheet would run, e.g. ${JSON.stringify(live[0])}`)
  }
  // Studio reads its own export back with the same labels.
  const back = Studio.init(path.join(root, 'back'))
  await back.import(path.join(out, 'labels.csv'))
  const again = back.labels.classes().map((c) => c.name)
  back.close()
  for (const f of FORMULAS)
    if (classes.includes(f) && !again.includes(f))
      failures.push(
        `label ${JSON.stringify(f)} came back from labels.csv as ${JSON.stringify(again.find((a) => a.endsWith(f.slice(1))) ?? null)}`,
      )
  return { rows: lines.length - 1, failures }
}
