/**
 * bench/train-throughput: training speed of the seed CNN (64×64×3, batch 32, Adam) in one
 * invocation, against PyTorch on the same machine in the same sitting:
 *
 *   1. Studio's trainer (runTraining, the code a user's run goes through) on the path it picks by
 *      itself (backend + data-parallel workers), then the same with one worker;
 *   2. the pure-JS `cpu` backend, a few steps (≈ 50× slower than wasm);
 *   3. PyTorch (apt-get install -y python3-torch; bench/torch_train.py: same layers, batch, optimizer)
 *      with 1 thread and with as many threads as Studio used workers;
 *   4. MobileNet-0.25 feature extraction (layers and graph backbones, when ../shared/models has them)
 *      in images/s including JPEG decode and resize.
 *
 * Studio's picked path and PyTorch with as many threads run twice, alternating; each keeps its
 * best round. The last line is `ratio_vs_pytorch=<Studio's picked path / PyTorch with the same
 * number of cores>`.
 *
 *   npm run bench:train [-- --steps 40]
 */
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { writeShapes } from '../main/cli/demo-shapes'
import { createDatasetVersion } from '../main/engine/datasets/versions'
import { Studio } from '../main/engine/studio'
import { withDefaults, type TrainConfig } from '../main/engine/training/config'
import type { TrainEvent } from '../main/engine/training/events'
import { seedCnn } from '../main/engine/training/presets'
import { runTraining } from '../main/engine/training/trainer'
import { listBackbones, loadBackbone, splitFeatures } from '../main/engine/training/transfer'

const arg = (name: string, dflt: number) => Number(process.argv[process.argv.indexOf(name) + 1] || dflt) || dflt
const steps = arg('--steps', 40)
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'studio-train-bench-'))
const say = (line: string) => console.log(line)

// A project big enough for `steps` training steps per epoch at batch 32 (70 % train split).
const perClass = Math.ceil(((steps + 3) * 32) / 0.7 / 4)
await writeShapes(path.join(dir, 'shapes'), perClass, 1, 64)
const studio = Studio.init(path.join(dir, 'proj'))
await studio.import(path.join(dir, 'shapes'))
say(
  `seed CNN, 64×64×3, batch 32, Adam; ${studio.store.images.total()} generated images; ${steps} timed steps (after 3 warm-up steps)`,
)

/** Runs one epoch through the real trainer; images/s over the steps after the warm-up. */
async function studioRun(
  cfg: Partial<TrainConfig>,
): Promise<{ ips: number; backend: string; workers: number; reason: string }> {
  const full = withDefaults({ inputSize: 64, batchSize: 32, epochs: 1, augment: null, patience: null, ...cfg })
  const v = createDatasetVersion(studio.store, { seed: full.seed, fractions: full.fractions })
  const id = studio.store.runs.create({
    datasetVersion: v,
    preset: full.preset,
    config: JSON.stringify(full),
    createdAt: new Date().toISOString(),
    pid: process.pid,
  })
  const stamps: number[] = []
  let start: Extract<TrainEvent, { type: 'start' }> | null = null
  const status = await runTraining(
    { projectDir: studio.root, runId: id, resume: false },
    {
      emit: (e) => {
        if (e.type === 'batch' && e.batch <= steps + 3) stamps.push(performance.now())
        if (e.type === 'start') start = e
        if (e.type === 'end' && e.error) say(`  run failed: ${e.error}`)
      },
      cancelled: () => false,
    },
  )
  if (status !== 'done' || !start) throw new Error(`bench run ${id} ${status}`)
  const timed = stamps.slice(2) // stamps[2] is the end of step 3
  const s = start as Extract<TrainEvent, { type: 'start' }>
  return {
    ips: ((timed.length - 1) * 32 * 1000) / (timed.at(-1)! - timed[0]!),
    backend: s.backend,
    workers: s.workers,
    reason: s.backendReason,
  }
}

// The headline pair (Studio's picked path, PyTorch on as many threads) is measured twice,
// alternating, and each keeps its best: this VM's speed drifts by a third over minutes, and
// alternating exposes both to the same drift.
const picked = await studioRun({})
say(
  `studio (picked: ${picked.backend}, ${picked.workers} worker(s) — ${picked.reason}): ${picked.ips.toFixed(1)} images/s`,
)
const single = await studioRun({ workers: 1 })
say(`studio (${single.backend}, 1 worker): ${single.ips.toFixed(1)} images/s`)

// The pure-JS backend: one step of 2 images directly on the model (its Conv2DBackpropFilter takes ≈ 4 s per image).
await tf.setBackend('cpu')
{
  const model = seedCnn(64, 4, 1)
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' })
  const xs = tf.randomUniform([2, 64, 64, 3])
  const ys = tf.oneHot(tf.randomUniform([2], 0, 4, 'int32'), 4).toFloat()
  const t0 = performance.now()
  await model.trainOnBatch(xs, ys)
  say(`tfjs cpu backend (1 step of 2 images): ${((2 * 1000) / (performance.now() - t0)).toFixed(2)} images/s`)
  tf.dispose([xs, ys])
  model.dispose()
}
await tf.setBackend(picked.backend)

// PyTorch, same network and batch.
const torch = (threads: number): number | null => {
  const r = spawnSync(
    '/usr/bin/python3',
    [path.join(import.meta.dirname, 'torch_train.py'), String(threads), String(steps)],
    { encoding: 'utf8' },
  )
  if (r.status !== 0) {
    say(
      `pytorch (${threads} thread(s)): unavailable — ${(r.stderr || r.error?.message || '').trim().split('\n').at(-1)} (apt-get install -y python3-torch)`,
    )
    return null
  }
  const ips = (JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { images_per_sec: number }).images_per_sec
  say(`pytorch ${threads} thread(s): ${ips.toFixed(1)} images/s`)
  return ips
}
const torch1 = torch(1)
let torchN = picked.workers > 1 ? torch(picked.workers) : torch1
if (torchN !== null) {
  const again = await studioRun({})
  say(`studio (picked path, round 2): ${again.ips.toFixed(1)} images/s`)
  picked.ips = Math.max(picked.ips, again.ips)
  torchN = Math.max(torchN, (picked.workers > 1 ? torch(picked.workers) : torch(1)) ?? 0)
  say(
    `best of 2 rounds: studio ${picked.ips.toFixed(1)} images/s, pytorch ${picked.workers} thread(s) ${torchN.toFixed(1)} images/s`,
  )
}

// MobileNet-0.25 feature extraction, images/s including decode and resize (cold caches).
const models = process.env.STUDIO_MODELS_DIR ?? path.resolve(import.meta.dirname, '../../shared/models')
const backbones = fs.existsSync(models)
  ? listBackbones(models).filter((b) => b.includes('0.25') || b.includes('025'))
  : []
if (!backbones.length) say(`mobilenet feature extraction: skipped — no MobileNet-0.25 under ${models}`)
const photos = path.resolve(import.meta.dirname, '../../shared/data/hymenoptera')
const fx = Studio.init(path.join(dir, 'fx'))
if (backbones.length) {
  if (fs.existsSync(photos)) await fx.import(photos)
  else await writeShapes(path.join(dir, 'fx-src'), 50, 2, 320).then(() => fx.import(path.join(dir, 'fx-src')))
  const v = createDatasetVersion(fx.store, { seed: 1, fractions: { train: 1, val: 0, test: 0 } })
  const items = fx.store.datasets.items(v)
  const hashes = new Map(items.map((i) => [i.imageId, i.hash]))
  for (const name of backbones) {
    fs.rmSync(fx.project.paths.cache, { recursive: true, force: true })
    const bb = await loadBackbone(models, name)
    const t0 = performance.now()
    await splitFeatures(fx.project.paths, bb, items, { size: bb.inputSize, fit: 'cover' }, hashes, () => {}, 32)
    const secs = (performance.now() - t0) / 1000
    say(
      `mobilenet feature extraction (${name}, ${bb.path}, ${items.length} ${fs.existsSync(photos) ? 'hymenoptera photos' : 'generated images'}, decode included): ${(items.length / secs).toFixed(1)} images/s`,
    )
    bb.dispose()
  }
}
fx.close()
studio.close()
fs.rmSync(dir, { recursive: true, force: true })

if (torch1 !== null)
  say(
    `ratio vs pytorch 1 thread: studio 1 worker ${(single.ips / torch1).toFixed(2)}, studio picked path ${(picked.ips / torch1).toFixed(2)}`,
  )
say(
  `resources: ${os.availableParallelism()} cores; Studio ${picked.workers} worker thread(s) in its trainer process (headline), ` +
    `then 1; PyTorch ${picked.workers} thread(s) (headline), then 1 (torch.set_num_threads, one process)`,
)
say(`ratio_vs_pytorch=${torchN === null ? 'NaN' : (picked.ips / torchN).toFixed(2)}`)
