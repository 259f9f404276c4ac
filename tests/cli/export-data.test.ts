import fs from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { studio, studioJson } from '../helpers/cli'
import { tmpDir } from '../helpers/fixtures'
import { makeExportProject } from '../engine/export-data/fixture'

const root = tmpDir('studio-cli-export-data-')
let project: Awaited<ReturnType<typeof makeExportProject>>

/** The `--json` keys README's table documents for export-data: top level and of `classes[]` (as cli.test.ts reads them). */
function documentedKeys(): { top: string[]; classes: string[] } {
  const readme = fs.readFileSync(path.resolve(import.meta.dirname, '../../README.md'), 'utf8')
  const section = readme.slice(readme.indexOf('### `--json` output'))
  const row = section.split('\n').find((l) => l.startsWith('| `export-data` |'))!
  const words = (s: string) => (/`([^`]+)`/.exec(s)?.[1] ?? '').split(' ')
  const [top = '', classes = ''] = row.split('|')[2]!.split(';')
  return { top: words(top), classes: words(classes.replace('`classes[]`:', '')) }
}

beforeAll(async () => {
  project = await makeExportProject(root)
}, 60_000)

describe('studio export-data', () => {
  it('exports a version as class folders into a folder relative to the current one', () => {
    const r = studioJson<{
      dir: string
      images: number
      splits: Record<string, number>
      files: string[]
      classes: Record<string, unknown>[]
    }>(['export-data', 'out/folders', '--version', String(project.versionId), '-p', project.dir], { cwd: root })
    expect(r.dir).toBe(path.join(root, 'out', 'folders'))
    expect(r.images).toBe(24)
    expect(r.splits).toEqual({ train: 14, val: 5, test: 5 })
    expect(fs.readdirSync(r.dir).sort()).toEqual(['manifest.json', 'test', 'train', 'val'])
    const documented = documentedKeys()
    expect(Object.keys(r).sort()).toEqual(documented.top.sort())
    expect(Object.keys(r.classes[0]!).sort()).toEqual(documented.classes.sort())
  })

  it('writes a zip of a Label Studio export and prints a summary', () => {
    const dest = path.join(root, 'ls')
    const r = studio(['export-data', dest, '--format', 'labelstudio', '--zip', '-p', project.dir])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^Exported 26 images, 2 classes, \d+ kB → .*ls\.zip/)
    expect(r.stdout).toContain('tasks.json, label-config.xml, manifest.json')
    expect(fs.existsSync(`${dest}.zip`)).toBe(true)
    expect(fs.existsSync(dest)).toBe(false)
  })

  it('refuses a folder that is not empty, naming it, and a bad format before anything', () => {
    const dest = path.join(root, 'full')
    fs.mkdirSync(dest)
    fs.writeFileSync(path.join(dest, 'x.txt'), 'x')
    const r = studio(['export-data', dest, '-p', project.dir])
    expect(r.code).toBe(1)
    expect(r.stderr).toBe(`studio: ${dest} exists and is not empty; choose a new folder\n`)
    expect(fs.readdirSync(dest)).toEqual(['x.txt'])
    const bad = studio(['export-data', path.join(root, 'y'), '--format', 'yolo', '-p', project.dir])
    expect(bad.code).not.toBe(0)
    expect(bad.stderr).toMatch(/folders, csv, labelstudio, coco/)
    expect(fs.existsSync(path.join(root, 'y'))).toBe(false)
  })
})
