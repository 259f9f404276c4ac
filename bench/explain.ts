/**
 * bench/explain: is Grad-CAM right, and is it fast enough to show?
 *
 * (a) The pointing game on the generated cluttered shapes (tests/helpers/clutter.ts, the test's set
 *     at 64 px with many more images): the seed CNN is trained, then for each held-out image with a
 *     shape, is the map's peak for the true class inside the shape's box (+ the usual 15 px at 224)?
 *     Beside it, a seeded random point scored the same way and the box's mean share of the image.
 * (b) Latency of `explain` (what `studio explain` and the page call): the seed CNN at 64 px and the
 *     transfer runs on each MobileNet in ../shared/models at 224 px; first call of a run (model
 *     load + first map; the backend is already up), later images (warm), the same images again
 *     (served from runs/<id>/explain), Grad-CAM alone on the loaded model, and the overlay PNG.
 * (c) Hymenoptera (../shared/data/hymenoptera, its train/val folders as splits) on mobilenet_v1_0.75_224:
 *     a 4×4 grid of overlays, mistakes first, captions green/red → bench/out/explain-hymenoptera.png;
 *     and the model card's "Where the model looks" → bench/out/looks/ + looks.md.
 *
 *   npm run bench:explain [-- --size 64 --train 2000 --held 500 --epochs 6 --warm 10] [-- --no-game]
 *
 * Last line: pointing_game=<hits / images with a shape>.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import * as tf from '@tensorflow/tfjs'
import sharp from 'sharp'
import { writeShapes } from '../main/engine/sample/shapes'
import { explain } from '../main/engine/explain/explain'
import { camModel, gradCam } from '../main/engine/explain/gradcam'
import { overlayPng } from '../main/engine/explain/overlay'
import { whereTheModelLooks } from '../main/engine/export/looks'
import { rng, shuffle } from '../main/engine/random'
import { readPreprocessing, runPaths } from '../main/engine/runs'
import { Studio } from '../main/engine/studio'
import { selectBackend } from '../main/engine/training/backend'
import { loadModel } from '../main/engine/training/model-io'
import { decode } from '../main/engine/training/pixels'
import { scale } from '../main/engine/training/presets/scaling'
import { overlayGrid, type GridTile } from './lib/overlay-grid'
import { pointingGame } from './lib/pointing-game'
import { trainRun } from './lib/train-run'

const arg = (name: string, d: number) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? Number(process.argv[i + 1]) || d : d
}
const shared = path.resolve(import.meta.dirname, '../../shared')
const models = process.env.STUDIO_MODELS_DIR ?? path.join(shared, 'models')
const out = path.join(import.meta.dirname, 'out')
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'studio-explain-'))
const ms = (t0: number) => performance.now() - t0
/** CPU time of this process (all its threads) since `c0`, ms: steadier than wall time on a shared machine. */
const cpuMs = (c0: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(c0)
  return (d.user + d.system) / 1000
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const f0 = (x: number) => x.toFixed(0)
const nWarm = arg('warm', 10)
// --no-game skips (a), to rerun the latency figures alone; the last line then says so.
const game = !process.argv.includes('--no-game')

console.log(
  `${os.availableParallelism()} cores, load ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}, Node ${process.version}`,
)
let t0 = performance.now()
const backend = await selectBackend()
console.log(`backend ${backend.name} ${backend.version} (${backend.reason}), started in ${f0(ms(t0))} ms`)
console.log(
  'resources: one Node process; TF.js runs Grad-CAM on this thread (no data-parallel workers), libvips threads ' +
    'decode and draw overlays; the random-point baseline is arithmetic on the same maps (no peer process)',
)

/** (b) for one run: `images` are project image ids, the first for the cold call. */
async function latency(studio: Studio, runId: number, label: string, images: number[]): Promise<void> {
  const t = performance.now()
  const c = process.cpuUsage()
  await explain(studio, runId, String(images[0]))
  const cold = ms(t)
  const coldCpu = cpuMs(c)
  const warm: number[] = []
  const warmCpu: number[] = []
  const names: string[] = []
  for (const id of images.slice(1)) {
    const t1 = performance.now()
    const c1 = process.cpuUsage()
    const e = await explain(studio, runId, String(id))
    warm.push(ms(t1))
    warmCpu.push(cpuMs(c1))
    names.push(e.className)
  }
  const cached: number[] = []
  for (const [i, id] of images.slice(1).entries()) {
    const t1 = performance.now()
    const e = await explain(studio, runId, String(id), names[i])
    cached.push(ms(t1))
    if (!e.cached) throw new Error(`image ${id} was not served from the cache`)
  }
  // Grad-CAM alone, on a model loaded here and inputs decoded beforehand: what explain adds is the rest.
  const paths = runPaths(studio.root, runId)
  const pre = readPreprocessing(paths)
  const model = await loadModel(paths.model)
  const cm = camModel(model)
  const cams: number[] = []
  const layered: number[] = []
  const overlays: number[] = []
  for (const id of images.slice(1)) {
    const file = studio.originalPath(studio.image(id))
    const raw = await decode(fs.readFileSync(file), { size: pre.inputSize, fit: pre.fit })
    const x = tf.tidy(() => scale(tf.tensor4d(raw, [1, pre.inputSize, pre.inputSize, 3], 'int32'), pre.scaling))
    const t1 = performance.now()
    const cam = cm.cam(x as tf.Tensor4D)
    cams.push(ms(t1))
    const t3 = performance.now()
    gradCam(model, x as tf.Tensor4D)
    layered.push(ms(t3))
    x.dispose()
    const t2 = performance.now()
    await overlayPng(file, cam, { fit: pre.fit })
    overlays.push(ms(t2))
  }
  cm.dispose()
  console.log(
    `${label}: cold ${f0(cold)} ms (CPU ${f0(coldCpu)}) | warm median ${f0(median(warm))} ms` +
      ` (max ${f0(Math.max(...warm))}, n ${warm.length}; CPU median ${f0(median(warmCpu))})` +
      ` | cached median ${f0(median(cached))} ms | Grad-CAM alone median ${f0(median(cams))} ms (${cm.forward};` +
      ` layer by layer ${f0(median(layered))} ms)` +
      ` | overlay PNG median ${f0(median(overlays))} ms`,
  )
}

/** A new project with `source` imported; its image ids in import order. */
async function project(name: string, source: string): Promise<{ studio: Studio; ids: number[] }> {
  const studio = Studio.init(path.join(work, name))
  await studio.import(source)
  return { studio, ids: studio.store.datasets.labeledImages().map((l) => l.imageId) }
}

async function grid(studio: Studio, runId: number): Promise<void> {
  const classes = studio.store.datasets
    .version(studio.store.runs.get(runId)!.datasetVersion)!
    .classes.map((c) => c.name)
  const all = studio.store.runs.predictions(runId)
  const wrong = all.filter((p) => p.trueIndex !== p.predIndex).sort((a, b) => b.confidence - a.confidence)
  const right = shuffle(
    all.filter((p) => p.trueIndex === p.predIndex),
    rng(3),
  )
  const shown = [...wrong.slice(0, 8), ...right].slice(0, 16)
  console.log(`hymenoptera grid: ${all.length} predictions, ${wrong.length} wrong; showing ${shown.length}`)
  const tiles: GridTile[] = []
  for (const p of shown) {
    const e = await explain(studio, runId, String(p.imageId), classes[p.predIndex])
    const ok = p.trueIndex === p.predIndex
    tiles.push({
      image: await overlayPng(e.file, e, { fit: e.fit, maxSide: 224 }),
      correct: ok,
      lines: [
        `${ok ? 'correct' : 'WRONG'}: ${classes[p.trueIndex]}`,
        `predicted ${classes[p.predIndex]} ${(p.confidence * 100).toFixed(0)} %`,
      ],
    })
  }
  fs.writeFileSync(path.join(out, 'explain-hymenoptera.png'), await overlayGrid(tiles))
  const t = performance.now()
  const looks = await whereTheModelLooks(studio, runId)
  const bytes = Object.values(looks.files).reduce((n, f) => n + f.byteLength, 0)
  console.log(
    `where the model looks: ${Object.keys(looks.files).length} images, ${(bytes / 1024).toFixed(0)} kB, ${f0(ms(t))} ms`,
  )
  fs.rmSync(path.join(out, 'looks'), { recursive: true, force: true })
  for (const [name, data] of Object.entries(looks.files)) {
    fs.mkdirSync(path.dirname(path.join(out, name)), { recursive: true })
    fs.writeFileSync(path.join(out, name), data)
  }
  fs.writeFileSync(path.join(out, 'looks.md'), looks.markdown)
}

try {
  fs.mkdirSync(out, { recursive: true })
  // (a)
  const g = game ? await pointingGame(arg('size', 64), arg('train', 2000), arg('held', 500), arg('epochs', 6)) : null
  if (g) {
    console.log(
      `pointing game at ${g.size} px: ${g.hits}/${g.total} (${((g.hits / g.total) * 100).toFixed(1)} %), ` +
        `random point ${g.randomHits}/${g.total} (${((g.randomHits / g.total) * 100).toFixed(1)} %), ` +
        `box share ${(g.boxShare * 100).toFixed(1)} %; held-out accuracy ${(g.accuracy * 100).toFixed(1)} % ` +
        `after ${g.trained} images × ${arg('epochs', 6)} epochs (${g.trainSeconds.toFixed(0)} s); ` +
        `Grad-CAM ${g.camMs.toFixed(1)} ms an image`,
    )
  }
  // (b) seed CNN
  await writeShapes(path.join(work, 'shapes'), 30)
  const shapes = await project('shapes', path.join(work, 'shapes'))
  t0 = performance.now()
  const seedRun = await trainRun(shapes.studio, { preset: 'seed-cnn', inputSize: 64, epochs: 3 }, models)
  console.log(`seed CNN run trained in ${(ms(t0) / 1000).toFixed(0)} s`)
  await latency(shapes.studio, seedRun, 'seed CNN 64 px', shapes.ids.slice(0, nWarm + 1))
  shapes.studio.close()
  // (b) MobileNets and (c)
  const hymenoptera = path.join(shared, 'data', 'hymenoptera')
  if (!fs.existsSync(hymenoptera)) console.log(`MobileNet latency and the grid skipped: ${hymenoptera} is missing`)
  else {
    const hym = await project('hymenoptera', hymenoptera)
    for (const backbone of ['mobilenet_v1_0.25_224', 'mobilenet_v1_0.75_224']) {
      if (!fs.existsSync(path.join(models, backbone, 'model.json'))) {
        console.log(`${backbone} skipped: ${path.join(models, backbone, 'model.json')} is missing`)
        continue
      }
      t0 = performance.now()
      const cfg = { preset: 'transfer', backbone, useOriginSplits: true }
      const runId = await trainRun(hym.studio, cfg, models)
      const summary = JSON.parse(hym.studio.store.runs.get(runId)!.summary ?? '{}') as { accuracy?: number }
      console.log(
        `${backbone} run trained in ${(ms(t0) / 1000).toFixed(0)} s, val accuracy ${((summary.accuracy ?? 0) * 100).toFixed(1)} %`,
      )
      await latency(hym.studio, runId, `${backbone} 224 px`, hym.ids.slice(0, nWarm + 1))
      if (backbone === 'mobilenet_v1_0.75_224') await grid(hym.studio, runId)
    }
    hym.studio.close()
  }
  console.log(`sharp ${sharp.versions.sharp}; grid and looks under ${path.relative(process.cwd(), out)}`)
  console.log(`pointing_game=${g ? (g.hits / g.total).toFixed(3) : 'skipped'}`)
} finally {
  fs.rmSync(work, { recursive: true, force: true })
}
