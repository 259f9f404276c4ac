import fs from 'node:fs'
import path from 'node:path'
import sharp from 'sharp'
import { beforeAll, describe, expect, it } from 'vitest'
import { writeShapes } from '../../../main/cli/demo-shapes'
import { whereTheModelLooks } from '../../../main/engine/export/looks'
import { runPaths } from '../../../main/engine/runs'
import type { PredictionRecord } from '../../../main/engine/store'
import { Studio } from '../../../main/engine/studio'
import { tmpDir } from '../../helpers/fixtures'
import { trainInProcess } from '../../helpers/training'

const root = tmpDir()
let s: Studio
let runId: number
let classes: string[]

beforeAll(async () => {
  await writeShapes(path.join(root, 'shapes'), 12)
  s = Studio.init(path.join(root, 'proj'))
  await s.import(path.join(root, 'shapes'))
  // One epoch at 32 px: a weak model, so the test split holds right and wrong predictions. The classic
  // layers (no padding): their confidences differ between images, so a caption names one image.
  runId = await trainInProcess(s, { epochs: 1, inputSize: 32, samePadding: 0 })
  classes = s.store.datasets.version(s.store.runs.get(runId)!.datasetVersion)!.classes.map((c) => c.name)
}, 120_000)

const links = (markdown: string) => [...markdown.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => m[1]!)
const captions = (markdown: string) => [...markdown.matchAll(/^\*(Correct|Wrong): (.+)\*$/gm)].map((m) => m.slice(1))
/** The section's choice, restated: the most confident of each true class first, then the next of each, … */
function top(correct: boolean, n = 3): PredictionRecord[] {
  const all = s.store.runs.predictions(runId, { correct }, 'confidence desc')
  const rank = new Map<number, number>()
  const round = all.map((p) => {
    const r = rank.get(p.trueIndex) ?? 0
    rank.set(p.trueIndex, r + 1)
    return r
  })
  return all
    .map((p, i) => ({ p, round: round[i]! }))
    .sort((a, b) => a.round - b.round || b.p.confidence - a.p.confidence)
    .slice(0, n)
    .map((x) => x.p)
}
const expected = (p: PredictionRecord) =>
  p.trueIndex === p.predIndex
    ? `${classes[p.trueIndex]}, predicted correctly (${(p.confidence * 100).toFixed(1)} %)`
    : `${classes[p.trueIndex]}, predicted as ${classes[p.predIndex]} (${(p.confidence * 100).toFixed(1)} %)`

describe('where the model looks', () => {
  it('shows the most confident right and wrong test predictions as 224 px JPEGs the Markdown embeds', async () => {
    const right = top(true)
    const wrong = top(false)
    expect(right.length).toBeGreaterThan(0)
    expect(wrong.length).toBeGreaterThan(0)
    const looks = await whereTheModelLooks(s, runId)
    const names = Object.keys(looks.files)
    expect(names).toHaveLength(right.length + wrong.length)
    expect(links(looks.markdown)).toEqual(names)
    expect(looks.markdown).toMatch(/^## Where the model looks\n/)
    expect(looks.markdown).toMatch(/Grad-CAM/)
    const n = (k: number, what: string) => `${k} ${what}${k === 1 ? '' : 's'}`
    expect(looks.markdown).toContain(
      `Images from the test split: ${n(right.length, 'confident correct prediction')} and ` +
        `${n(wrong.length, 'mistake')} (the most confident ones).`,
    )
    for (const [name, bytes] of Object.entries(looks.files)) {
      expect(name).toMatch(/^looks\/\d-(correct-[a-z]+|wrong-[a-z]+-as-[a-z]+)\.jpg$/)
      const meta = await sharp(bytes).metadata()
      expect(meta.format).toBe('jpeg')
      // The 64 px shapes are drawn at the card's size, the longest side 224 px.
      expect(Math.max(meta.width!, meta.height!)).toBe(224)
    }
    // Captions follow the run's stored predictions, in order: confident right ones, then confident mistakes.
    expect(captions(looks.markdown)).toEqual([
      ...right.map((p) => ['Correct', expected(p)]),
      ...wrong.map((p) => ['Wrong', expected(p)]),
    ])
    expect(names.map((n) => n.split('-')[1])).toEqual([...right.map(() => 'correct'), ...wrong.map(() => 'wrong')])
    // One class at a time: the right answers shown are of as many different classes as the run allows.
    const rightClasses = new Set(s.store.runs.predictions(runId, { correct: true }).map((p) => p.trueIndex)).size
    const shownClasses = new Set(names.filter((n) => n.includes('-correct-')).map((n) => n.split('-').at(-1)))
    expect(shownClasses.size).toBe(Math.min(3, rightClasses))
    // Each map went through the run's explain cache (predicted class), so an export after the page reuses it.
    const cache = path.join(runPaths(s.root, runId).dir, 'explain')
    for (const p of [...right, ...wrong]) {
      const hash = s.store.images.get(p.imageId)!.hash
      expect(fs.existsSync(path.join(cache, `${hash}-${p.predIndex}.json`))).toBe(true)
    }
    const total = Object.values(looks.files).reduce((n, f) => n + f.byteLength, 0)
    expect(total).toBeLessThan(6 * 30_000)
  })

  it('writes PNGs when asked, and as many of each kind as asked', async () => {
    const looks = await whereTheModelLooks(s, runId, { correct: 1, wrong: 0, format: 'png', maxSide: 100 })
    const names = Object.keys(looks.files)
    expect(names).toEqual([expect.stringMatching(/^looks\/1-correct-.+\.png$/)])
    expect(looks.markdown).toContain('Images from the test split: 1 confident correct prediction.\n')
    const meta = await sharp(looks.files[names[0]!]!).metadata()
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 100, 100])
  })

  it('skips an image that no longer decodes and says so in the section', async () => {
    const first = top(true)[0]!
    const img = s.store.images.get(first.imageId)!
    const file = s.originalPath(img)
    const keep = fs.readFileSync(file)
    fs.writeFileSync(file, Buffer.from('no longer a JPEG'))
    try {
      const looks = await whereTheModelLooks(s, runId)
      expect(links(looks.markdown)).toEqual(Object.keys(looks.files))
      expect(captions(looks.markdown).map((c) => c[1])).not.toContain(expected(first))
      expect(looks.markdown).toMatch(/1 image could not be read and was left out/)
      expect(looks.markdown).toContain(`(image ${img.id}): it no longer decodes`)
    } finally {
      fs.writeFileSync(file, keep)
    }
  })

  it('says there is nothing to show when the run has no test or validation predictions', async () => {
    const preds = s.store.runs.predictions(runId)
    s.store.runs.replacePredictions(runId, [])
    try {
      const looks = await whereTheModelLooks(s, runId)
      expect(looks.files).toEqual({})
      expect(looks.markdown).toMatch(/^## Where the model looks\n\nNo maps: the run has no predictions/)
    } finally {
      s.store.runs.replacePredictions(runId, preds)
    }
  })

  it('names the folder when the model files are missing, and the run when it does not exist', async () => {
    const model = runPaths(s.root, runId).model
    fs.renameSync(model, model + '.away')
    try {
      await expect(whereTheModelLooks(s, runId)).rejects.toThrow(`${model} has no model.json`)
    } finally {
      fs.renameSync(model + '.away', model)
    }
    await expect(whereTheModelLooks(s, 999)).rejects.toThrow(/run 999 does not exist/)
  })

  it('explains why there are no maps for a graph-model backbone instead of failing the export', async () => {
    const file = runPaths(s.root, runId).preprocessing
    const keep = fs.readFileSync(file, 'utf8')
    const pre = JSON.parse(keep) as Record<string, unknown>
    fs.writeFileSync(file, JSON.stringify({ ...pre, backbone: { format: 'graph', folder: 'backbone', output: 'x' } }))
    try {
      const looks = await whereTheModelLooks(s, runId)
      expect(looks.files).toEqual({})
      expect(looks.markdown).toMatch(/graph-model backbone/)
    } finally {
      fs.writeFileSync(file, keep)
    }
  })
})
