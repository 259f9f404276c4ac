import fs from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { exportRun } from '../../../main/engine/export/bundle'
import { judge, selfTestCases, type SelfTestCases } from '../../../main/engine/export/self-test'
import { runSelfTest, SelfTestCancelled } from '../../../main/engine/export/self-test-run'
import { onnxRuntimeOrder } from '../../../main/engine/export/self-test-runtimes'
import { Studio } from '../../../main/engine/studio'
import { makeImages, tmpDir } from '../../helpers/fixtures'
import { trainInProcess } from '../../helpers/training'

// A real (tiny) seed-CNN run exported as TF.js and ONNX; a fresh process loads each format with its
// own runtime and classifies the test split from the original files.

const root = tmpDir()
const proj = path.join(root, 'proj')
let runId = 0
let cases: SelfTestCases

beforeAll(async () => {
  await makeImages(path.join(root, 'src', 'red'), 8, 0, 40, 30)
  await makeImages(path.join(root, 'src', 'blue'), 8, 100, 30, 40)
  const studio = Studio.init(proj)
  try {
    await studio.import(path.join(root, 'src'))
    runId = await trainInProcess(studio, { epochs: 1, inputSize: 24, batchSize: 8, patience: null, workers: 1 })
    cases = selfTestCases(studio, runId)
    exportRun(studio, runId, path.join(root, 'all'), { zip: false, format: 'all' })
  } finally {
    studio.close()
  }
}, 120_000)

const formats = [
  { format: 'tfjs' as const, modelFile: 'model.json' },
  { format: 'onnx' as const, modelFile: 'model.onnx' },
]

describe('the export self-test', () => {
  it("reproduces Studio's stored predictions with TF.js and onnxruntime in a fresh process", async () => {
    expect(cases.files.length).toBeGreaterThan(1)
    expect(cases.files.every((f) => fs.existsSync(f))).toBe(true)
    const seen: string[] = []
    const results = await runSelfTest(path.join(root, 'all'), formats, cases, {
      onProgress: (f, done, total) => seen.push(`${f} ${done}/${total}`),
    })
    for (const f of ['tfjs', 'onnx'] as const) {
      const r = results.get(f)!
      expect(r, f).toMatchObject({ status: 'passed', reason: null, images: cases.files.length, agreement: 1 })
      expect(r.maxDiff!).toBeLessThan(1e-4)
      expect(r.accuracy).toBe(r.studioAccuracy)
      expect(r.split).toBe(cases.split)
    }
    expect(results.get('tfjs')!.runtime).toMatch(/^@tensorflow\/tfjs \d/)
    expect(results.get('onnx')!.runtime).toMatch(/^onnxruntime-node/)
    expect(seen).toContain(`onnx ${cases.files.length}/${cases.files.length}`)
  }, 120_000)

  it('checks ONNX with onnxruntime-web (WebAssembly in Node), the runtime a packaged app has', async () => {
    const results = await runSelfTest(path.join(root, 'all'), [formats[1]!], cases, {
      onnxRuntimes: ['onnxruntime-web'],
    })
    const r = results.get('onnx')!
    expect(r).toMatchObject({ status: 'passed', images: cases.files.length, agreement: 1 })
    expect(r.maxDiff!).toBeLessThan(1e-4)
    expect(r.runtime).toMatch(/^onnxruntime-web 1\.\d+\.\d+ \(WebAssembly, in Node\)$/)
  }, 120_000)

  it('takes the ONNX runtime from STUDIO_ONNX_RUNTIME, and refuses a name it does not know', () => {
    expect(onnxRuntimeOrder({})).toEqual(['onnxruntime-node', 'onnxruntime-web'])
    expect(onnxRuntimeOrder({ STUDIO_ONNX_RUNTIME: 'web' })).toEqual(['onnxruntime-web'])
    expect(onnxRuntimeOrder({ STUDIO_ONNX_RUNTIME: 'onnxruntime-node' })).toEqual(['onnxruntime-node'])
    expect(() => onnxRuntimeOrder({ STUDIO_ONNX_RUNTIME: 'tract' })).toThrow(/STUDIO_ONNX_RUNTIME is "tract"/)
  })

  it('fails a format whose files disagree with what Studio predicted (a changed preprocessing.json)', async () => {
    const dir = path.join(root, 'tampered')
    fs.cpSync(path.join(root, 'all'), dir, { recursive: true })
    const file = path.join(dir, 'preprocessing.json')
    const pre = JSON.parse(fs.readFileSync(file, 'utf8')) as { scaling: string }
    pre.scaling = pre.scaling === 'unit' ? 'symmetric' : 'unit'
    fs.writeFileSync(file, JSON.stringify(pre))
    const results = await runSelfTest(dir, formats, cases)
    for (const f of ['tfjs', 'onnx'] as const) {
      expect(results.get(f)!.status, f).toBe('failed')
      expect(results.get(f)!.reason).toMatch(/max probability difference .* is above 1e-4/)
    }
  }, 120_000)

  it('fails a format that cannot be loaded, with the runtime’s reason, and counts unreadable originals', async () => {
    const dir = path.join(root, 'broken')
    fs.cpSync(path.join(root, 'all'), dir, { recursive: true })
    fs.writeFileSync(path.join(dir, 'model.onnx'), 'not a model')
    const gone = { ...cases, files: [path.join(root, 'missing.jpg'), ...cases.files.slice(1)] }
    const results = await runSelfTest(dir, formats, gone)
    expect(results.get('onnx')).toMatchObject({ status: 'failed', images: 0 })
    expect(results.get('onnx')!.reason).toBeTruthy()
    expect(results.get('tfjs')).toMatchObject({ status: 'passed', images: cases.files.length - 1, unreadable: 1 })
  }, 120_000)

  it('stops the process when cancelled', async () => {
    const controller = new AbortController()
    const done = runSelfTest(path.join(root, 'all'), formats, cases, { signal: controller.signal })
    controller.abort()
    await expect(done).rejects.toBeInstanceOf(SelfTestCancelled)
  }, 60_000)
})

describe('judge', () => {
  const c: SelfTestCases = {
    split: 'test',
    files: ['a', 'b', 'c'],
    truth: [0, 1, 1],
    expected: [Float32Array.of(0.9, 0.1), Float32Array.of(0.3, 0.7), Float32Array.of(0.6, 0.4)],
  }
  const out = (probs: (Float32Array | null)[]) => ({
    runtime: 'r',
    preprocessing: 'p',
    probs,
    seconds: 1.234,
    error: null,
    skipped: null,
  })

  it('measures agreement, accuracy and the largest difference', () => {
    const r = judge('tfjs-uint8', c, out([Float32Array.of(0.8, 0.2), Float32Array.of(0.35, 0.65), null]))
    expect(r).toMatchObject({ status: 'passed', reason: null, images: 2, unreadable: 1, agreement: 1, accuracy: 1 })
    expect(r.studioAccuracy).toBe(1)
    expect(r.seconds).toBe(1.23)
    expect(r.maxDiff).toBeCloseTo(0.1, 6)
  })

  it('holds float formats to 1e-4 and quantized ones to 98 % agreement', () => {
    const close = [Float32Array.of(0.90001, 0.09999), Float32Array.of(0.3, 0.7), Float32Array.of(0.6, 0.4)]
    expect(judge('tfjs', c, out(close)).status).toBe('passed')
    const off = [Float32Array.of(0.8, 0.2), Float32Array.of(0.3, 0.7), Float32Array.of(0.6, 0.4)]
    expect(judge('tfjs', c, out(off))).toMatchObject({ status: 'failed', agreement: 1 })
    expect(judge('tfjs-float16', c, out(off))).toMatchObject({ status: 'passed', reason: null })
    const flipped = [Float32Array.of(0.2, 0.8), Float32Array.of(0.3, 0.7), Float32Array.of(0.6, 0.4)]
    const r = judge('tfjs-float16', c, out(flipped))
    expect(r).toMatchObject({ status: 'failed', reason: 'agreement 66.7 % is below 98 %' })
    expect(r.agreement).toBeCloseTo(2 / 3, 6)
  })

  it('reports a missing runtime as skipped, not passed', () => {
    const r = judge('onnx', c, { ...out([]), skipped: 'no ONNX runtime is installed here' })
    expect(r).toMatchObject({ status: 'skipped', reason: 'no ONNX runtime is installed here', agreement: null })
  })
})
