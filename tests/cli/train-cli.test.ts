import fs from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { writeShapes } from '../../main/cli/demo-shapes'
import { studio, studioJson } from '../helpers/cli'
import { tmpDir } from '../helpers/fixtures'

describe('studio train / runs / eval / predict / export', () => {
  const root = tmpDir()
  const proj = path.join(root, 'proj')
  const p = ['--project', proj]

  beforeAll(async () => {
    await writeShapes(path.join(root, 'shapes'), 20)
    studioJson(['init', proj])
    studioJson(['import', path.join(root, 'shapes'), ...p])
  }, 60_000)

  it('train --json prints the run summary object', () => {
    const r = studioJson<Record<string, unknown>>([
      'train',
      ...p,
      '--epochs',
      '2',
      '--input-size',
      '32',
      '--split',
      '60/20/20',
      '--augment',
    ])
    expect(Object.keys(r).sort()).toEqual(['backend', 'macro_f1', 'run', 'status', 'test_accuracy', 'val_accuracy'])
    expect(r).toMatchObject({ run: 1, status: 'done', backend: 'wasm' })
    expect(r.val_accuracy).toEqual(expect.any(Number))
    expect(r.test_accuracy).toEqual(expect.any(Number))
  }, 120_000)

  it('runs, eval, predict and export read the run back', () => {
    // `runs --json` prints the service's RunDto (README, "--json keys").
    const runs = studioJson<{ runs: { run: number; status: string; preset: string; datasetVersion: number }[] }>([
      'runs',
      ...p,
    ])
    expect(runs.runs).toEqual([
      expect.objectContaining({ run: 1, status: 'done', preset: 'seed-cnn', datasetVersion: 1 }),
    ])
    const ev = studioJson<{
      split: string
      count: number
      confusion: number[][]
      classes: string[]
      mistakes: unknown[]
    }>(['eval', '1', ...p])
    expect(ev.split).toBe('test')
    expect(ev.classes).toEqual(['circle', 'cross', 'square', 'triangle'])
    expect(ev.confusion.flat().reduce((a, b) => a + b, 0)).toBe(ev.count)
    // Every confusion-matrix cell opens the images counted in it.
    const cell = studioJson<{ images: { image: number }[] }>(['eval', '1', '--cell', 'cross/cross', ...p])
    expect(cell.images).toHaveLength(ev.confusion[1]![1]!)
    const pred = studioJson<{ predictions: { input: string; label: string }[] }>([
      'predict',
      '1',
      path.join(root, 'shapes/cross/cross-0001.jpg'),
      ...p,
    ])
    expect(pred.predictions).toHaveLength(1)
    expect(['circle', 'cross', 'square', 'triangle']).toContain(pred.predictions[0]!.label)
    const out = path.join(root, 'exported')
    // --json prints export.json: every file, and each format with its self-test.
    const exp = studioJson<{ runId: number; files: { path: string }[]; formats: { selfTest: { status: string } }[] }>([
      'export',
      '1',
      out,
      ...p,
    ])
    expect(exp.runId).toBe(1)
    expect(exp.files.map((f) => f.path)).toContain('model-card.md')
    expect(exp.formats.map((f) => f.selfTest.status)).toEqual(['passed'])
    expect(fs.existsSync(path.join(out, 'model-card.md'))).toBe(true)
    expect(fs.existsSync(`${out}.zip`)).toBe(true)
    // Exporting into a folder that is not empty is refused.
    const again = studio(['export', '1', out, ...p])
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/exists and is not empty/)
  }, 60_000)

  it('bad training options fail with a one-line reason', () => {
    const preset = studio(['train', ...p, '--preset', 'nope'])
    expect(preset.code).toBe(2)
    expect(preset.stderr).toMatch(/argument 'nope' is invalid\. Allowed choices are seed-cnn, transfer/)
    const r = studio(['train', ...p, '--split', '50/50'])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^studio: --split must look like 70\/15\/15/)
    const t = studio(['train', ...p, '--preset', 'transfer', '--backbone', 'nope', '--models-dir', root])
    expect(t.code).toBe(1)
    expect(t.stdout + t.stderr).toMatch(
      /backbone "nope" not found in the models folder .* \(available: mobilenet_v1_0\.25/,
    )
  }, 60_000)
})
