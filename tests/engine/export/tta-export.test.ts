import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { exportRun } from '../../../main/engine/export/bundle'
import { selfTestCases, type SelfTestCases } from '../../../main/engine/export/self-test'
import { runSelfTest } from '../../../main/engine/export/self-test-run'
import { readPreprocessing, runPaths, type Preprocessing } from '../../../main/engine/runs'
import { Studio } from '../../../main/engine/studio'
import { makeImages, tmpDir } from '../../helpers/fixtures'
import { recordedPredictions } from '../../helpers/export-runs'
import { trainInProcess } from '../../helpers/training'

// A tiny seed-CNN run with test-time augmentation and a temperature folded into its final layer,
// exported as TF.js and ONNX: each format in a fresh process (the export's self-test) and the
// export's own predict.mjs give the probabilities Studio stored — mirror averaging included.

const root = tmpDir()
const out = path.join(root, 'export')
let runId = 0
let cases: SelfTestCases
let recorded: { file: string; probs: Float32Array }[] = []
let pre: Preprocessing

beforeAll(async () => {
  await makeImages(path.join(root, 'src', 'red'), 8, 0, 40, 30)
  await makeImages(path.join(root, 'src', 'blue'), 8, 100, 30, 40)
  const studio = Studio.init(path.join(root, 'proj'))
  try {
    await studio.import(path.join(root, 'src'))
    runId = await trainInProcess(studio, {
      epochs: 2,
      inputSize: 24,
      batchSize: 8,
      patience: null,
      workers: 1,
      tta: 'on',
      calibration: 'on',
    })
    pre = readPreprocessing(runPaths(studio.root, runId))
    cases = selfTestCases(studio, runId)
    recorded = recordedPredictions(studio, runId)
    exportRun(studio, runId, out, { zip: false, format: 'all' })
  } finally {
    studio.close()
  }
}, 120_000)

describe('an export of a run with TTA and a temperature', () => {
  it('says so in preprocessing.json, copied into the export', () => {
    expect(pre.tta).toBe('flip')
    expect(pre.temperature?.foldedIntoFinalLayer).toBe(true)
    expect(pre.temperature!.value).not.toBe(1)
    const exported = JSON.parse(fs.readFileSync(path.join(out, 'preprocessing.json'), 'utf8')) as Preprocessing
    expect(exported).toMatchObject({ tta: 'flip', temperature: pre.temperature })
  })

  it('passes the self-test with TF.js and onnxruntime (each averages the image and its mirror)', async () => {
    const formats = [
      { format: 'tfjs' as const, modelFile: 'model.json' },
      { format: 'onnx' as const, modelFile: 'model.onnx' },
    ]
    const results = await runSelfTest(out, formats, cases)
    for (const f of ['tfjs', 'onnx'] as const) {
      const r = results.get(f)!
      expect(r, f).toMatchObject({ status: 'passed', agreement: 1 })
      expect(r.maxDiff!).toBeLessThan(1e-4)
      expect(r.preprocessing).toContain('mirror')
    }
  }, 120_000)

  it("predict.mjs reproduces Studio's stored probabilities in a fresh process", () => {
    fs.symlinkSync(path.resolve('node_modules'), path.join(out, 'node_modules'))
    const some = recorded.slice(0, 4)
    const r = spawnSync(process.execPath, [path.join(out, 'predict.mjs'), ...some.map((s) => s.file)], {
      encoding: 'utf8',
      timeout: 60_000,
    })
    expect(r.status, r.stderr).toBe(0)
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { probabilities: Record<string, number> })
    lines.forEach((line, i) => {
      const got = Object.values(line.probabilities)
      got.forEach((p, c) => expect(Math.abs(p - some[i]!.probs[c]!)).toBeLessThan(1e-4))
    })
    // Without the mirror the probabilities differ, so the comparison above can fail.
    const plain = path.join(out, 'preprocessing.json')
    fs.writeFileSync(plain, JSON.stringify({ ...pre, tta: null }))
    const r2 = spawnSync(process.execPath, [path.join(out, 'predict.mjs'), some[0]!.file], { encoding: 'utf8' })
    const once = Object.values((JSON.parse(r2.stdout) as { probabilities: Record<string, number> }).probabilities)
    expect(Math.max(...once.map((p, c) => Math.abs(p - some[0]!.probs[c]!)))).toBeGreaterThan(1e-4)
  }, 60_000)
})
