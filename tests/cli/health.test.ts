import fs from 'node:fs'
import path from 'node:path'
import sharp from 'sharp'
import { beforeAll, describe, expect, it } from 'vitest'
import { FINDING_KINDS } from '../../main/engine/health/findings'
import { Studio } from '../../main/engine/studio'
import { studio, studioJson } from '../helpers/cli'
import { tmpDir } from '../helpers/fixtures'
import { scene } from '../helpers/scenes'

interface JsonFinding {
  kind: string
  severity: string
  count: number
  images: number[]
  detail: string
  groups?: number[][]
  classes?: string[]
  files?: string[]
}

describe('studio health', () => {
  const root = tmpDir()
  const proj = path.join(root, 'proj')
  const src = path.join(root, 'src')

  beforeAll(async () => {
    for (const d of ['train/cats', 'train/dogs', 'val/cats', 'val/dogs'])
      fs.mkdirSync(path.join(src, d), { recursive: true })
    for (let i = 0; i < 6; i++) {
      fs.writeFileSync(path.join(src, 'train/cats', `c${i}.jpg`), await scene(900 + i))
      fs.writeFileSync(path.join(src, 'train/dogs', `d${i}.jpg`), await scene(950 + i))
    }
    // The val folder holds a re-encoded copy of a training cat: leakage across the origin splits.
    await sharp(await scene(900))
      .resize(240)
      .jpeg({ quality: 70 })
      .toFile(path.join(src, 'val/cats', 'v0.jpg'))
    fs.writeFileSync(path.join(src, 'val/dogs', 'v1.jpg'), await scene(990))
    fs.writeFileSync(path.join(src, 'notes.txt'), 'not an image')
    // Imported as before signals existed: `studio health` measures them first.
    const s = Studio.init(proj)
    await s.import(src, { measureSignals: false })
    s.close()
  }, 120_000)

  it('--json prints exactly {"findings": [...]} with the stable kinds and keys', () => {
    const out = studioJson<{ findings: JsonFinding[] }>(['health', '-p', proj])
    expect(Object.keys(out)).toEqual(['findings'])
    for (const f of out.findings) {
      expect(FINDING_KINDS).toContain(f.kind)
      expect(Object.keys(f).slice(0, 5)).toEqual(['kind', 'severity', 'count', 'images', 'detail'])
      for (const k of Object.keys(f).slice(5)) expect(['groups', 'classes', 'files']).toContain(k)
    }
    // README's --json table documents these keys and every kind.
    const readme = fs.readFileSync(path.resolve(import.meta.dirname, '../../README.md'), 'utf8')
    const row = readme
      .slice(readme.indexOf('### `--json` output'))
      .split('\n')
      .find((l) => l.startsWith('| `health` |'))!
    expect(row).toContain('exactly `findings`; `findings[]`: `kind severity count images detail`')
    expect(row).toContain(`\`${FINDING_KINDS.join(' ')}\``)
    const kinds = out.findings.map((f) => f.kind)
    expect(kinds).toEqual(['near-duplicate', 'small-class', 'skipped-not-image'])
    expect(out.findings[0]).toMatchObject({ count: 1, groups: [[1, 13]], images: [1, 13] })
    expect(out.findings[2]).toMatchObject({ count: 1, images: [], files: ['notes.txt'] })
  })

  it('--origin-splits finds the copy across train and val; a version of the same images does not leak', () => {
    const leak = studioJson<{ findings: JsonFinding[] }>(['health', '-p', proj, '--origin-splits'])
    expect(leak.findings.find((f) => f.kind === 'split-leakage')).toMatchObject({ count: 1, groups: [[1, 13]] })
    const s = Studio.open(proj)
    let version: number
    try {
      version = s.store.datasets.insertVersion(
        {
          createdAt: new Date().toISOString(),
          seed: 1,
          fractions: { train: 0.5, val: 0.5, test: 0 },
          useOriginSplits: false,
          classes: [
            { id: 1, name: 'cats' },
            { id: 2, name: 'dogs' },
          ],
        },
        [
          { imageId: 1, classIndex: 0, split: 'train' },
          { imageId: 13, classIndex: 0, split: 'val' },
          { imageId: 7, classIndex: 1, split: 'train' },
          { imageId: 14, classIndex: 1, split: 'val' },
        ],
      )
    } finally {
      s.close()
    }
    const byVersion = studioJson<{ findings: JsonFinding[] }>(['health', '-p', proj, '--version', String(version)])
    expect(byVersion.findings.find((f) => f.kind === 'split-leakage')?.groups).toEqual([[1, 13]])
    const missing = studio(['health', '-p', proj, '--version', '99'])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('dataset version 99 does not exist')
  })

  it('prints a table of kind, severity, count and detail', () => {
    const r = studio(['health', '-p', proj])
    expect(r.code).toBe(0)
    const lines = r.stdout.split('\n')
    expect(lines[0]).toMatch(/^14 images; leakage checked on dataset version \d+/)
    expect(lines[2]).toMatch(/^kind\s+severity\s+count\s+detail$/)
    expect(r.stdout).toMatch(/near-duplicate\s+info\s+1\s+1 group of near-identical pictures/)
    expect(r.stdout).toMatch(/split-leakage\s+error\s+1\s+/)
  })

  it('says so when there is nothing to report', () => {
    const empty = path.join(root, 'empty')
    expect(studio(['init', empty]).code).toBe(0)
    expect(studio(['health', '-p', empty]).stdout).toBe(
      '0 images; no dataset version yet (leakage is checked once one is frozen)\nNo problems found.\n',
    )
    expect(studioJson(['health', '-p', empty])).toEqual({ findings: [] })
  })
})
