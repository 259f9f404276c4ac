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
 * max probability difference, self-test seconds; and each export's wall time. Last line:
 * `formats=<n> failed=<n> uint8_agreement_min=<x>`.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { ExportDto } from '../preload/contract'
import { prepareModelExport, runModelExport } from '../main/engine/export/export-job'
import { writeShapes } from '../main/engine/sample/shapes'
import { Studio } from '../main/engine/studio'
import { bundledModelsDir } from '../main/engine/training/backbones'
import { trainRun } from './lib/train-run'

const hymenoptera = path.resolve(import.meta.dirname, '../../shared/data/hymenoptera')
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'studio-export-formats-'))
const rows: { run: string; quantize: string; exp: ExportDto; seconds: number }[] = []

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
  const shapes = Studio.init(path.join(work, 'shapes'))
  await writeShapes(path.join(work, 'shapes-src'), 40)
  await shapes.import(path.join(work, 'shapes-src'))
  const seed = await trainRun(shapes, { preset: 'seed-cnn', inputSize: 64, epochs: 4 }, bundledModelsDir())
  await exportAll(shapes, seed, 'seed-cnn-64')
  shapes.close()
  if (fs.existsSync(hymenoptera)) {
    const bees = Studio.init(path.join(work, 'hymenoptera'))
    await bees.import(hymenoptera)
    const backbone = 'mobilenet_v1_0.25_224'
    const t = await trainRun(
      bees,
      { preset: 'transfer', backbone, useOriginSplits: true, epochs: 20 },
      bundledModelsDir(),
    )
    await exportAll(bees, t, 'transfer-0.25')
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
  console.log(`formats=${seen.size} failed=${failed} uint8_agreement_min=${uint8Min.toFixed(3)}`)
  fs.rmSync(work, { recursive: true, force: true })
}

await main()
