/**
 * bench/export-formats: what each model format costs and whether it still agrees — for the seed CNN
 * (generated shapes, 64 px) and a MobileNet transfer run (hymenoptera from ../shared/data, when
 * present, on the bundled 0.25 backbone). Each run is exported twice (`--format all` with
 * `--quantize float16`, then with `--quantize uint8`) through the export job, whose fresh-process
 * self-test classifies the evaluation split in each format's own runtime.
 *
 *   npm run bench:export-formats
 *
 * Prints per format: bytes, agreement with Studio's predictions, accuracy (Studio's own beside it),
 * max probability difference, self-test seconds; and each export's wall time. Then the ONNX model's
 * other runtimes: the self-test again on onnxruntime-web (what a packaged app has), and the export's
 * predict.py with /usr/bin/python3 on its numpy evaluator (no onnxruntime) over --py-images originals
 * (default 20). --no-transfer skips the MobileNet run. Last line:
 * `formats=<n> failed=<n> uint8_agreement_min=<x> web_max_diff=<x> py_agreement_min=<x>`.
 */
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { ExportDto } from '../preload/contract'
import { prepareModelExport, runModelExport } from '../main/engine/export/export-job'
import { selfTestCases } from '../main/engine/export/self-test'
import { runSelfTest } from '../main/engine/export/self-test-run'
import { argmax } from '../main/engine/evaluation/metrics'
import { writeShapes } from '../main/engine/sample/shapes'
import { Studio } from '../main/engine/studio'
import { bundledModelsDir } from '../main/engine/training/backbones'
import { printResources, trainerBackend, trainerWorkers } from './lib/resources'
import { trainRun } from './lib/train-run'

const hymenoptera = path.resolve(import.meta.dirname, '../../shared/data/hymenoptera')
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'studio-export-formats-'))
const rows: { run: string; quantize: string; exp: ExportDto; seconds: number }[] = []
const flag = (name: string) => process.argv.indexOf(name)
const pyImages = flag('--py-images') > 0 ? Number(process.argv[flag('--py-images') + 1]) : 20
const PYTHON = '/usr/bin/python3'
const other: string[] = []
let webMaxDiff = 0
let pyAgreementMin = 1

/** The ONNX model of a run's export on onnxruntime-web (the self-test again) and on predict.py's numpy evaluator. */
async function otherRuntimes(studio: Studio, runId: number, name: string): Promise<void> {
  const exp = rows.find((r) => r.run === name)!.exp
  if (!exp.formats.some((f) => f.format === 'onnx')) return
  const cases = selfTestCases(studio, runId)
  const t = (
    await runSelfTest(exp.dir, [{ format: 'onnx', modelFile: 'model.onnx' }], cases, {
      onnxRuntimes: ['onnxruntime-web'],
    })
  ).get('onnx')!
  webMaxDiff = Math.max(webMaxDiff, t.maxDiff ?? Infinity)
  const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(1)} %`)
  other.push(
    `| ${name} | onnx | ${t.runtime ?? '—'} | ${t.images} | ${pct(t.agreement)} | ` +
      `${t.maxDiff?.toExponential(1) ?? '—'} | ${t.seconds.toFixed(1)} s | ${t.status} |`,
  )
  if (spawnSync(PYTHON, ['-c', 'import onnx, PIL, numpy']).status !== 0) {
    other.push(`| ${name} | onnx | predict.py | SKIPPED: ${PYTHON} cannot import onnx, PIL and numpy | | | | |`)
    return
  }
  const files = cases.files.slice(0, pyImages)
  const t0 = performance.now()
  const r = spawnSync(PYTHON, [path.join(exp.dir, 'predict.py'), ...files], {
    encoding: 'utf8',
    env: { ...process.env, STUDIO_PREDICT_RUNTIME: 'numpy' },
    maxBuffer: 64 * 1024 * 1024,
  })
  const seconds = (performance.now() - t0) / 1000
  if (r.status !== 0) throw new Error(`predict.py failed: ${r.stderr}`)
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { probabilities: Record<string, number>; runtime: string })
  let agree = 0
  let maxDiff = 0
  lines.forEach((line, i) => {
    const got = Object.values(line.probabilities)
    const want = cases.expected[i]!
    if (argmax(Float32Array.from(got)) === argmax(want)) agree++
    got.forEach((p, c) => (maxDiff = Math.max(maxDiff, Math.abs(p - want[c]!))))
  })
  pyAgreementMin = Math.min(pyAgreementMin, agree / lines.length)
  other.push(
    `| ${name} | onnx | predict.py: ${lines[0]?.runtime.split(' (')[0]} | ${lines.length} | ` +
      `${pct(agree / lines.length)} | ${maxDiff.toExponential(1)} | ${seconds.toFixed(1)} s (${(seconds / lines.length).toFixed(2)} s/image) | Pillow decode |`,
  )
}

async function exportAll(studio: Studio, runId: number, name: string): Promise<void> {
  for (const quantize of ['float16', 'uint8'] as const) {
    const req = { runId, dir: path.join(work, `${name}-${quantize}`), format: 'all' as const, quantize, zip: false }
    const t0 = performance.now()
    const signal = new AbortController().signal
    const exp = await runModelExport(studio, req, prepareModelExport(studio, req), { signal, progress: () => {} })
    rows.push({ run: name, quantize, exp, seconds: (performance.now() - t0) / 1000 })
  }
}

async function main(): Promise<void> {
  printResources({
    studio:
      `this Node process trains each run in-process (${await trainerWorkers()}); each export writes its model ` +
      'files in one worker thread and self-tests in one forked Node process (TF.js on its own wasm backend, one ' +
      'thread; onnxruntime-node at its default intra-op threads)',
    peer:
      "the formats' own runtimes in that self-test process; onnxruntime-web with 1 thread; predict.py in one " +
      `${PYTHON} process (numpy evaluator, single-threaded)`,
    backend: `training: ${trainerBackend().text}`,
  })
  const shapes = Studio.init(path.join(work, 'shapes'))
  await writeShapes(path.join(work, 'shapes-src'), 40)
  await shapes.import(path.join(work, 'shapes-src'))
  const seed = await trainRun(shapes, { preset: 'seed-cnn', inputSize: 64, epochs: 4 }, bundledModelsDir())
  await exportAll(shapes, seed, 'seed-cnn-64')
  await otherRuntimes(shapes, seed, 'seed-cnn-64')
  shapes.close()
  if (flag('--no-transfer') > 0) console.log('SKIPPED the transfer run: --no-transfer')
  else if (fs.existsSync(hymenoptera)) {
    const bees = Studio.init(path.join(work, 'hymenoptera'))
    await bees.import(hymenoptera)
    const backbone = 'mobilenet_v1_0.25_224'
    const t = await trainRun(
      bees,
      { preset: 'transfer', backbone, useOriginSplits: true, epochs: 20 },
      bundledModelsDir(),
    )
    await exportAll(bees, t, 'transfer-0.25')
    await otherRuntimes(bees, t, 'transfer-0.25')
    bees.close()
  } else console.log(`SKIPPED the transfer run: ${hymenoptera} is absent`)

  const seen = new Set<string>()
  console.log('| run | format | bytes | agreement | accuracy (Studio) | max diff | self-test s | status |')
  console.log('|---|---|---|---|---|---|---|---|')
  let failed = 0
  let uint8Min = 1
  for (const r of rows) {
    for (const f of r.exp.formats) {
      const key = `${r.run}/${f.format}`
      if (seen.has(key)) continue
      seen.add(key)
      const t = f.selfTest
      if (t?.status === 'failed') failed++
      if (f.format === 'tfjs-uint8' && t?.agreement != null) uint8Min = Math.min(uint8Min, t.agreement)
      const pct = (x: number | null | undefined) => (x == null ? '—' : `${(x * 100).toFixed(1)} %`)
      console.log(
        `| ${r.run} | ${f.format} | ${(f.bytes / 1024).toFixed(0)} kB | ${pct(t?.agreement)} | ` +
          `${pct(t?.accuracy)} (${pct(t?.studioAccuracy)}) | ${t?.maxDiff?.toExponential(1) ?? '—'} | ` +
          `${t?.seconds?.toFixed(1) ?? '—'} | ${t?.status ?? 'not checked'} |`,
      )
    }
  }
  for (const r of rows) console.log(`export ${r.run} --format all --quantize ${r.quantize}: ${r.seconds.toFixed(1)} s`)
  console.log('\n| run | format | runtime | images | agreement | max diff | seconds | status |')
  console.log('|---|---|---|---|---|---|---|---|')
  for (const line of other) console.log(line)
  console.log(
    `formats=${seen.size} failed=${failed} uint8_agreement_min=${uint8Min.toFixed(3)} ` +
      `web_max_diff=${webMaxDiff.toExponential(1)} py_agreement_min=${pyAgreementMin.toFixed(3)}`,
  )
  fs.rmSync(work, { recursive: true, force: true })
}

await main()
