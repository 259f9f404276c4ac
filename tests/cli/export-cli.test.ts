import fs from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { Studio } from '../../main/engine/studio'
import { studio } from '../helpers/cli'
import { makeImages, tmpDir } from '../helpers/fixtures'
import { trainInProcess } from '../helpers/training'

// `studio export`: the job the page runs, with one self-test line per format and exit code 1 when a
// format's answers differ from Studio's.

const root = tmpDir()
const proj = path.join(root, 'proj')
const p = ['--project', proj]

beforeAll(async () => {
  await makeImages(path.join(root, 'src', 'red'), 8, 0, 40, 30)
  await makeImages(path.join(root, 'src', 'blue'), 8, 100, 30, 40)
  const s = Studio.init(proj)
  try {
    await s.import(path.join(root, 'src'))
    await trainInProcess(s, { epochs: 1, inputSize: 24, batchSize: 8, patience: null, workers: 1 })
  } finally {
    s.close()
  }
}, 120_000)

describe('studio export', () => {
  it('prints a self-test line per format and exits 0 when every format passes', () => {
    const out = path.join(root, 'all')
    const r = studio(['export', '1', out, '--format', 'all', '--no-zip', ...p])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain(`Exported run 1 to ${out}\n`)
    for (const f of ['tfjs', 'tm', 'onnx'])
      expect(r.stdout).toMatch(
        new RegExp(`^  ${f} +\\S+ +[\\d.]+ [kM]?B +passed: \\d+ test images, agreement 100\\.0 %`, 'm'),
      )
    expect(r.stdout).toMatch(/onnx .*\(onnxruntime-node [\d.]+, [\d.]+ s\)/)
    expect(r.stdout).toContain('python predict.py <image>')
    expect(fs.existsSync(path.join(out, 'export.json'))).toBe(true)
    expect(fs.existsSync(`${out}.zip`)).toBe(false)
  }, 120_000)

  it("exits 1 and says which format failed when the answers differ from Studio's; --json still prints export.json", () => {
    const s = Studio.open(proj)
    const preds = s.store.runs.predictions(1)
    try {
      // Studio's stored probabilities reversed: the exported model now disagrees with them.
      s.store.runs.replacePredictions(
        1,
        preds.map((x) => ({ ...x, probs: Float32Array.from(x.probs).reverse() })),
      )
    } finally {
      s.close()
    }
    const out = path.join(root, 'failing')
    const r = studio(['export', '1', out, '--no-zip', ...p])
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/^ {2}tfjs +model\.json +.* FAILED: agreement \d+\.\d % is below 100 %/m)
    expect(r.stderr).toBe(`studio: the self-test failed for tfjs: see the model card in ${out}\n`)
    const j = studio(['export', '1', path.join(root, 'failing-json'), '--no-zip', '--json', ...p])
    expect(j.code).toBe(1)
    const manifest = JSON.parse(j.stdout) as { formats: { format: string; selfTest: { status: string } }[] }
    expect(manifest.formats.map((f) => [f.format, f.selfTest.status])).toEqual([['tfjs', 'failed']])
  }, 120_000)
})
