import fs from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { Studio } from '../../main/engine/studio'
import { selectBackend } from '../../main/engine/training/backend'
import { studio as cli, studioJson } from '../helpers/cli'
import { tmpDir } from '../helpers/fixtures'
import { trainInProcess } from '../helpers/training'
import { tintedScene, writeTintedSet, writeTinyBackbone } from '../engine/quality/fixtures'

// `studio suspects`, `score` and `next` as a user runs them: the --json shapes README documents,
// on tinted scenes with three known wrong labels and five unlabeled images.
const root = tmpDir()
const proj = path.join(root, 'proj')
const models = path.join(root, 'models')
let flipped: string[] = []
let runId = 0

beforeAll(async () => {
  await selectBackend('wasm')
  await writeTinyBackbone(models)
  flipped = await writeTintedSet(path.join(root, 'src'), 15, { 'red/3': 'green', 'green/7': 'blue', 'blue/11': 'red' })
  for (let i = 0; i < 5; i++)
    await tintedScene(path.join(root, 'new', `new-${i}.jpg`), ['red', 'blue'][i % 2]!, 5000 + i)
  const s = Studio.init(proj)
  await s.import(path.join(root, 'src'))
  await s.import(path.join(root, 'new'), { layout: 'flat' })
  runId = await trainInProcess(s, { epochs: 2, inputSize: 24, batchSize: 8, patience: null, workers: 1 })
  s.close()
}, 120_000)

/** The `--json` keys README documents for a command (as tests/cli/cli.test.ts reads them): top level, list items. */
function documented(command: string): string[][] {
  const readme = fs.readFileSync(path.resolve(import.meta.dirname, '../../README.md'), 'utf8')
  const row = readme
    .slice(readme.indexOf('### `--json` output'))
    .split('\n')
    .find((l) => l.startsWith(`| \`${command}\` |`))
  return (row?.split('|')[2] ?? '').split(';').map((part) => [...part.matchAll(/`([^`]+)`/g)].at(-1)![1]!.split(' '))
}

interface Suspects {
  suspects: { id: number; path: string; label: string; suggested: string; score: number }[]
  checked: number
  total: number
  backbone: string
}

describe('studio suspects', () => {
  it('runs the check when there is none and prints the suspects, most likely first', () => {
    const out = studioJson<Suspects>(['suspects', '-p', proj, '--models-dir', models])
    expect([Object.keys(out), Object.keys(out.suspects[0]!)]).toEqual(documented('suspects'))
    expect(out).toMatchObject({ checked: 45, total: 3, backbone: 'tiny' })
    expect(new Set(out.suspects.map((s) => s.path))).toEqual(new Set(flipped))
    expect(out.suspects.map((s) => s.score)).toEqual(out.suspects.map((s) => s.score).sort((a, b) => b - a))
    // Fresh: the next call reads the stored check, and --limit / --all cut or do not cut the list.
    expect(studioJson<Suspects>(['suspects', '-p', proj, '--limit', '1']).suspects).toEqual(out.suspects.slice(0, 1))
    expect(studioJson<Suspects>(['suspects', '-p', proj, '--all'])).toEqual(out)
  }, 120_000)

  it('without a backbone: the NoBackboneError message, exit 1', () => {
    const empty = path.join(root, 'empty-models')
    fs.mkdirSync(empty)
    process.env.STUDIO_BUNDLED_MODELS_DIR = empty // and none of Studio's own
    const r = cli(['suspects', '-p', proj, '--models-dir', empty, '--recheck', '--json'])
    delete process.env.STUDIO_BUNDLED_MODELS_DIR
    expect(r.code).toBe(1)
    expect(JSON.parse(r.stdout)).toEqual({
      error: { name: 'NoBackboneError', message: expect.stringContaining('label checks need a pretrained backbone') },
    })
  })
})

describe('studio score and studio next', () => {
  it('next without scores says how to get them', () => {
    expect(studioJson(['next', '-p', proj])).toEqual({ source: null, run: null, by: 'margin', remaining: 0, items: [] })
  })

  it('score scores every image, labeled or not; a second time only what is new', () => {
    const out = studioJson<Record<string, unknown>>(['score', String(runId), '-p', proj])
    expect(out).toMatchObject({ run: runId, scored: 50, kept: 0, problems: [] })
    expect(Object.keys(out)).toEqual(documented('score')[0])
    expect(studioJson(['score', String(runId), '-p', proj])).toMatchObject({ scored: 0, kept: 50 })
  }, 120_000)

  it('next lists the unlabeled images, the most uncertain of each predicted class in turn, with a suggested label', () => {
    type Next = { items: { id: number; path: string; suggested: string; confidence: number; uncertainty: number }[] }
    // Each measure's order is checked against uncertainty.ts in tests/engine/quality/scoring.test.ts.
    for (const by of ['margin', 'least-confidence']) {
      const out = studioJson<Next & Record<string, unknown>>(['next', '-p', proj, '--by', by])
      expect(out).toMatchObject({ run: runId, by, remaining: 5 })
      expect(out.source).toMatch(new RegExp(`^run ${runId} \\(seed-cnn, 50 images scored\\)$`))
      expect(out.items.map((i) => i.path).sort()).toEqual([
        'new-0.jpg',
        'new-1.jpg',
        'new-2.jpg',
        'new-3.jpg',
        'new-4.jpg',
      ])
      expect([Object.keys(out), Object.keys(out.items[0]!)]).toEqual(documented('next'))
      const u = out.items.map((i) => i.uncertainty)
      // The most uncertain first, then a suggested class at a time (quality/uncertainty.ts balancedOrder).
      expect(u[0]).toBe(Math.max(...u))
      for (const cls of new Set(out.items.map((i) => i.suggested))) {
        const v = out.items.filter((i) => i.suggested === cls).map((i) => i.uncertainty)
        expect(v).toEqual([...v].sort((a, b) => b - a))
      }
    }
    const bad = cli(['next', '-p', proj, '--by', 'vibes'])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/--by must be margin, entropy, least-confidence \(got "vibes"\)/)
  }, 120_000)
})
