/**
 * Transfer learning on hymenoptera (../shared/data/hymenoptera, its own train/val folders as the
 * splits): each recipe of the transfer preset trained from a cold cache (no decoded pixels, no
 * features), as a new user's first run is. Per recipe: val accuracy, ECE, whole-run minutes,
 * extraction images/s (decode + backbone, every pass: plain and augmented copies), fine-tuning
 * seconds. The ablation rows turn test-time augmentation and temperature scaling off so each row
 * measures its ingredients; the default recipe runs as shipped over 3 seeds (spread), and so do the
 * rows named `default + …` (one change to it); the last line is the default's result:
 * `val_accuracy=<fraction> minutes=<m>` (mean over the seeds).
 *
 *   npm run bench:transfer                        # every recipe, default over 3 seeds
 *   npm run bench:transfer -- --recipes default   # some recipes (names as printed), --seeds 1
 *   npm run bench:transfer -- --extraction-only [--rounds 2] [--modes tfjs,pool,onnxruntime] [--sizes 0.75@224]
 *       # extraction incl. decode of every image from a cold cache, A/B alternating: the wasm backbone
 *       # on this thread (tfjs), on the pool of extraction threads (pool, extract-pool.ts), and
 *       # onnxruntime-node's native kernels (onnxruntime, extract-native.ts); 0.25 @224, 0.75 @224, 0.75 @288
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createDatasetVersion } from '../main/engine/datasets/versions'
import { Studio } from '../main/engine/studio'
import { withDefaults, type TrainConfig } from '../main/engine/training/config'
import type { TrainEvent } from '../main/engine/training/events'
import { runTraining } from '../main/engine/training/trainer'
import { selectBackend } from '../main/engine/training/backend'
import { bundledModelsDir } from '../main/engine/training/backbones'
import { featureRunner, localRunner } from '../main/engine/training/extract-pool'
import { loadBackbone, splitFeatures } from '../main/engine/training/transfer'
import { printResources, trainerBackend, trainerWorkers } from './lib/resources'

const hymenoptera = path.resolve(import.meta.dirname, '../../shared/data/hymenoptera')
const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : undefined
}

const v25 = 'mobilenet_v1_0.25_224'
const v75 = 'mobilenet_v1_0.75_224'
const plain = { tta: 'off', calibration: 'off', classScores: 0, heads: 1 } as const
const aug = (copies: number) => ({ featureAugment: { copies, flip: true, minCrop: 0.7, color: 0.1 } })
const ft = (blocks: number, epochs = 5) => ({ fineTune: { blocks, epochs, learningRate: 0.0001 } })

/** The ablation: each row adds or changes one thing; `default` is the preset as shipped. */
const RECIPES: { name: string; cfg: Partial<TrainConfig> }[] = [
  { name: 'frozen 0.25 @224', cfg: { backbone: v25, inputSize: 224, ...plain, ...aug(0), ...ft(0) } },
  { name: 'frozen 0.75 @224', cfg: { backbone: v75, inputSize: 224, ...plain, ...aug(0), ...ft(0) } },
  { name: '0.75 @224 + feature aug ×4', cfg: { backbone: v75, inputSize: 224, ...plain, ...aug(4), ...ft(0) } },
  { name: '0.75 @224 + fine-tune 1', cfg: { backbone: v75, inputSize: 224, ...plain, ...aug(0), ...ft(1) } },
  { name: 'frozen 0.75 @288', cfg: { backbone: v75, inputSize: 288, ...plain, ...aug(0), ...ft(0) } },
  { name: '0.75 @288 + feature aug ×4', cfg: { backbone: v75, inputSize: 288, ...plain, ...aug(4), ...ft(0) } },
  {
    name: '0.75 @288 + class scores ×30',
    cfg: { backbone: v75, inputSize: 288, ...plain, classScores: 30, ...aug(0), ...ft(0) },
  },
  { name: 'default', cfg: {} },
  { name: 'default + scores ×60', cfg: { classScores: 60 } },
  { name: 'default + one head', cfg: { heads: 1 } },
]

interface Result {
  accuracy: number
  ece: number
  minutes: number
  /** CPU minutes of this process (all its threads): what the run costs whatever the neighbours do. */
  cpuMinutes: number
  extractPerSec: number
  /** Images extracted (decode included) per CPU-second of this process up to training: the rate on an idle machine with one core to spare for decoding. */
  extractPerCpuSec: number
  extractSeconds: number
  fineTuneSeconds: number
  epochs: number
}

async function run(studio: Studio, cfg: Partial<TrainConfig>, modelsDir: string): Promise<Result> {
  // Cold: nothing decoded or extracted yet.
  fs.rmSync(path.join(studio.root, 'cache'), { recursive: true, force: true })
  fs.mkdirSync(path.join(studio.root, 'cache'))
  const full = withDefaults({ preset: 'transfer', useOriginSplits: true, ...cfg })
  const version = createDatasetVersion(studio.store, {
    seed: full.seed,
    fractions: full.fractions,
    useOriginSplits: true,
  })
  const id = studio.store.runs.create({
    datasetVersion: version,
    preset: full.preset,
    config: JSON.stringify(full),
    createdAt: new Date().toISOString(),
    pid: process.pid,
  })
  const t0 = performance.now()
  const cpu0 = process.cpuUsage()
  let trainingAt = 0
  let extractCpu = 0
  let counts = { train: 0, val: 0 }
  const emit = (e: TrainEvent) => {
    if (e.type === 'phase' && e.phase === 'training') {
      trainingAt = performance.now()
      const c = process.cpuUsage(cpu0)
      extractCpu = (c.user + c.system) / 1e6
    }
    if (e.type === 'start') counts = { train: e.trainCount, val: e.valCount }
  }
  const status = await runTraining(
    { projectDir: studio.root, runId: id, resume: false, modelsDir },
    { emit, cancelled: () => false },
  )
  const end = performance.now()
  const cpu = process.cpuUsage(cpu0)
  const rec = studio.store.runs.get(id)!
  if (status !== 'done') throw new Error(`run ${id} ended ${status}: ${rec.error ?? ''}`)
  const summary = JSON.parse(rec.summary ?? '{}') as { accuracy: number; ece: number }
  const images = counts.train * (1 + full.featureAugment.copies) + counts.val
  const extractSeconds = (trainingAt - t0) / 1000
  return {
    accuracy: summary.accuracy,
    ece: summary.ece,
    minutes: (end - t0) / 60_000,
    cpuMinutes: (cpu.user + cpu.system) / 60e6,
    extractPerSec: images / extractSeconds,
    extractPerCpuSec: images / extractCpu,
    extractSeconds,
    fineTuneSeconds: full.fineTune.blocks
      ? studio.store.runs
          .epochs(id)
          .slice(-full.fineTune.epochs)
          .reduce((a, e) => a + e.seconds, 0)
      : 0,
    epochs: studio.store.runs.epochs(id).length,
  }
}

const pct = (v: number) => `${(v * 100).toFixed(1)} %`
const row = (name: string, r: Result) =>
  `| ${name} | ${pct(r.accuracy)} | ${r.ece.toFixed(3)} | ${r.minutes.toFixed(2)} | ${r.cpuMinutes.toFixed(2)} | ${r.extractPerSec.toFixed(0)} | ${r.extractPerCpuSec.toFixed(0)} | ` +
  `${r.extractSeconds.toFixed(0)} | ${r.fineTuneSeconds.toFixed(0)} | ${r.epochs} |`

/** CPU seconds of this process's main thread so far (Linux: /proc; NaN elsewhere). */
function mainThreadCpu(): number {
  try {
    const stat = fs.readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // Fields 14 and 15 of stat (utime, stime), counted from the state field (3rd): in clock ticks, 100 a second.
    return (Number(f[11]) + Number(f[12])) / 100
  } catch {
    return NaN
  }
}

/**
 * Extraction only: every image of both splits decoded and run through the backbone from a cold
 * cache, on one thread (as before the pool) and on the pool (threads started inside the timing),
 * alternating so both see the same neighbours. Wall-clock and per-CPU-second rates (CPU of every
 * thread of this process: decoding, backbone threads, the main thread).
 */
async function extractionOnly(studio: Studio): Promise<void> {
  await selectBackend('wasm')
  const rounds = Number(arg('rounds') ?? 2)
  const version = createDatasetVersion(studio.store, {
    seed: 1,
    fractions: withDefaults({}).fractions,
    useOriginSplits: true,
  })
  const items = studio.store.datasets.items(version)
  const hashes = new Map(items.map((i) => [i.imageId, i.hash]))
  console.log(
    `uptime: ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} (load 1/5/15 min); ${items.length} images`,
  )
  // tfjs: the wasm fused backbone on this thread; pool: on one thread per core (extract-pool.ts);
  // onnxruntime: onnxruntime-node's native kernels on this thread (extract-native.ts).
  const modes = (arg('modes') ?? 'tfjs,pool,onnxruntime').split(',')
  const sides = (arg('sizes') ?? '0.25@224,0.75@224,0.75@288').split(',').map((s) => {
    const [w, px] = s.split('@')
    return [w === '0.25' ? v25 : v75, Number(px)] as const
  })
  // Idle 2-core estimate: the images over the longer of the main thread's CPU time (it gathers,
  // and runs the backbone where it runs here) and half the process's CPU time (both cores busy).
  const cores = os.availableParallelism()
  console.log(
    `| backbone @ input | runtime | threads | img/s (wall) | img/CPU-s | main-thread CPU s | idle ${cores}-core estimate img/s | seconds | start s |`,
  )
  console.log('|---|---|---|---|---|---|---|---|---|')
  for (const [name, size] of sides) {
    const bb = await loadBackbone(bundledModelsDir(), name, { complete: true, inputSize: size })
    for (let r = 0; r < rounds; r++) {
      for (const mode of r % 2 ? [...modes].reverse() : modes) {
        fs.rmSync(path.join(studio.root, 'cache'), { recursive: true, force: true })
        fs.mkdirSync(path.join(studio.root, 'cache'))
        const t0 = performance.now()
        const cpu0 = process.cpuUsage()
        const main0 = mainThreadCpu()
        const runner =
          mode === 'tfjs'
            ? localRunner(bb)
            : await featureRunner(bb, {
                backend: 'wasm',
                workers: null,
                runtime: mode === 'pool' ? 'tfjs' : 'onnxruntime',
              })
        const started = (performance.now() - t0) / 1000
        const got = await splitFeatures(
          studio.project.paths,
          bb,
          items,
          { size, fit: 'cover' },
          hashes,
          () => {},
          32,
          256,
          runner,
        )
        const wall = (performance.now() - t0) / 1000
        const c = process.cpuUsage(cpu0)
        const mainCpu = mainThreadCpu() - main0
        const cpuS = (c.user + c.system) / 1e6
        const threads = runner.threads
        await runner.dispose()
        const n = got.imageIds.length
        console.log(
          `| ${name.replace('mobilenet_v1_', '').replace('_224', '')} @${size} | ${mode} | ${threads} | ${(n / wall).toFixed(1)} | ` +
            `${(n / cpuS).toFixed(1)} | ${mainCpu.toFixed(1)} | ${(n / Math.max(mainCpu, cpuS / cores)).toFixed(0)} | ` +
            `${wall.toFixed(1)} | ${mode === 'tfjs' ? '–' : started.toFixed(1)} |`,
        )
      }
    }
    bb.dispose()
  }
  console.log(
    `uptime after: ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  )
}

async function main(): Promise<void> {
  if (!fs.existsSync(hymenoptera)) {
    console.log(`bench:transfer skipped: ${hymenoptera} is missing`)
    return
  }
  printResources({
    studio: `this Node process trains each recipe in-process (runTraining); ${await trainerWorkers()}; sharp decodes`,
    peer: 'none: the recipes are compared with each other',
    backend: trainerBackend().text,
  })
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-transfer-'))
  const modelsDir = path.join(work, 'models') // empty: Studio's bundled backbones only
  fs.mkdirSync(modelsDir)
  try {
    const studio = Studio.init(path.join(work, 'project'))
    let t0 = performance.now()
    await studio.import(hymenoptera)
    console.log(
      `import of ${hymenoptera}: ${((performance.now() - t0) / 1000).toFixed(1)} s; ${os.cpus().length} cores`,
    )
    if (process.argv.includes('--extraction-only')) {
      await extractionOnly(studio)
      studio.close()
      return
    }
    const wanted = arg('recipes')?.split(',')
    const seeds = Number(arg('seeds') ?? 3)
    const d = withDefaults({ preset: 'transfer' })
    console.log(
      `default recipe: backbone ${d.backbone}, feature aug ${JSON.stringify(d.featureAugment)}, ` +
        `fine-tune ${JSON.stringify(d.fineTune)}, class scores ×${d.classScores}, heads ${d.heads}, tta ${d.tta}, calibration ${d.calibration}`,
    )
    console.log(
      '| recipe | val accuracy | ECE | minutes | CPU minutes | extraction img/s | img/CPU-s | extraction s | fine-tune s | epochs |',
    )
    console.log('|---|---|---|---|---|---|---|---|---|---|')
    /** The runs of `default` and of each `default + …` row, one per seed. */
    const bySeed = new Map<string, Result[]>()
    for (const r of RECIPES) {
      if (wanted && !wanted.includes(r.name)) continue
      if (!r.name.startsWith('default')) {
        console.log(row(r.name, await run(studio, r.cfg, modelsDir)))
        continue
      }
      const runs: Result[] = []
      bySeed.set(r.name, runs)
      for (let seed = 1; seed <= seeds; seed++) {
        t0 = performance.now()
        const res = await run(studio, { ...r.cfg, seed }, modelsDir)
        runs.push(res)
        console.log(row(`${r.name}, seed ${seed}`, res))
      }
    }
    studio.close()
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
    // The default's summary last: its final line is the bench's result.
    const order = [...bySeed.keys()].sort((a, b) => Number(a === 'default') - Number(b === 'default'))
    for (const name of order) {
      const runs = bySeed.get(name)!
      const acc = runs.map((r) => r.accuracy)
      console.log(
        `${name} over ${runs.length} seeds: val accuracy ${pct(mean(acc))} (min ${pct(Math.min(...acc))}, ` +
          `max ${pct(Math.max(...acc))}), ECE ${mean(runs.map((r) => r.ece)).toFixed(3)}, ` +
          `${mean(runs.map((r) => r.minutes)).toFixed(2)} min`,
      )
      if (name === 'default')
        console.log(`val_accuracy=${mean(acc).toFixed(4)} minutes=${mean(runs.map((r) => r.minutes)).toFixed(2)}`)
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true })
  }
}

await main()
