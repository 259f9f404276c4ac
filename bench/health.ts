/**
 * bench/health: the data health report at 100,000 images, and what measuring pixel signals adds
 * to an import.
 *
 *   npm run bench:health [-- --images 100000] [-- --import 2000] [-- --rounds 2]
 *
 * Report: 100,000 synthetic image rows (no files) with random perceptual hashes and signals, 2 %
 * of them planted as near-duplicate pairs, a few outliers, conflicts and a dataset version; timed
 * the first time (everything computed), again unchanged (cache), from a new connection (the CLI's
 * case: the cache on disk), and after a label change (groups reused, the rest recomputed).
 * Import: the same generated 800×600 JPEGs imported with and without signals, alternating, in
 * fresh projects; overhead = the median over rounds of (time with ÷ time without − 1), each round's
 * two imports run back to back so that the machine's load drifts little between them. Then the
 * thumbnail step alone, per image, interleaved (thumbnail only, thumbnail + signals, the next image…)
 * in one process: the extra CPU time signals cost per image, against an import's CPU time per image.
 * `--images 0` skips the report, `--import 0` the import.
 *
 * Last lines: report_first_s=, report_cached_s=, import_overhead=, import_cpu_overhead=,
 * signals_cpu_share= (extra CPU per image for signals ÷ import CPU per image without).
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import sharp from 'sharp'
import { healthReport } from '../main/engine/health/report'
import { writeThumbnail, writeThumbnailAndSignals } from '../main/engine/media/ingest'
import { rng } from '../main/engine/random'
import { Studio } from '../main/engine/studio'
import { printResources } from './lib/resources'

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`)
  const v = i > 0 ? Number(process.argv[i + 1]) : NaN
  return Number.isFinite(v) && v >= 0 ? v : dflt
}
const nImages = arg('images', 100_000)
const nImport = arg('import', 500)
const rounds = arg('rounds', 6)
const nStage = arg('stage', 300)
const work = path.join(import.meta.dirname, '.work')
fs.mkdirSync(work, { recursive: true })
const secs = (t0: number) => (performance.now() - t0) / 1000
printResources({
  studio:
    'one Node process: the report on this thread over one SQLite connection; each import ' +
    `${os.availableParallelism() * 3} files at once with 1 libvips thread each; the thumbnail step ` +
    `${os.availableParallelism() * 3} images in flight, 1 libvips thread each`,
  peer: 'none: with and without signals alternate in this process (imports back to back in fresh projects)',
  backend: `sharp ${sharp.versions.sharp}, libvips ${sharp.versions.vips}; better-sqlite3`,
})

/** A project of `n` synthetic rows: 3 classes, a fifth unlabeled, random hashes with planted near-duplicates. */
function syntheticProject(dir: string, n: number): Studio {
  fs.rmSync(dir, { recursive: true, force: true })
  const studio = Studio.init(dir)
  const r = rng(7)
  const hex = () => (Math.floor(r() * 2 ** 32) >>> 0).toString(16).padStart(8, '0')
  const classes = ['ant', 'bee', 'wasp'].map((c) => studio.labels.ensureClass(c).id)
  const at = new Date().toISOString()
  const { store } = studio
  let previous = { phash: '', brightness: 0, colourfulness: 0 }
  store.tx(() => {
    for (let i = 0; i < n; i++) {
      const id = store.images.insert({
        hash: i.toString(16).padStart(64, '0'),
        originalName: `photo_${i}.jpg`,
        relPath: `dir${i % 10}/photo_${i}.jpg`,
        ext: '.jpg',
        format: 'jpeg',
        width: i % 5000 === 0 ? 24 : 640,
        height: 480,
        bytes: 1000 + (i % 113),
        origin: null,
        batchId: null,
        importedAt: at,
      })
      // Every 50th image is a near-copy of the one before: 3 of 64 bits flipped, about the same tone.
      const copy = i % 50 === 1
      const signals = {
        phash: copy ? flip(previous.phash, r) : hex() + hex(),
        brightness: i % 7000 === 3 ? 12 : copy ? previous.brightness + 2 : 90 + r() * 80,
        colourfulness: copy ? previous.colourfulness - 1 : 20 + r() * 40,
        sharpness: 0.2 + r() * 0.5,
      }
      previous = signals
      store.health.setSignals(id, signals)
      const label = i % 5 === 0 ? null : (classes[i % 3] ?? null)
      const name = label === null ? null : ['ant', 'bee', 'wasp'][i % 3]!
      store.health.addSource(id, `dir${i % 10}/photo_${i}.jpg`, null, name, null)
      // Every 9000th image came from two class folders and was left unlabeled: a conflict.
      if (i % 9000 === 5) {
        store.health.addSource(id, `ant/photo_${i}.jpg`, null, 'ant', null)
        store.health.addSource(id, `wasp/photo_${i}.jpg`, null, 'wasp', null)
      }
      if (label !== null) studio.labels.importLabel(id, label, at)
    }
  })
  return studio
}

function flip(hash: string, r: () => number): string {
  let hi = parseInt(hash.slice(0, 8), 16)
  let lo = parseInt(hash.slice(8), 16)
  for (let k = 0; k < 3; k++) {
    const bit = Math.floor(r() * 64)
    if (bit < 32) hi ^= 1 << bit
    else lo ^= 1 << (bit - 32)
  }
  return (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0')
}

async function reportTimes(): Promise<{ first: number; cached: number }> {
  const dir = path.join(work, 'health-project')
  let t0 = performance.now()
  const studio = syntheticProject(dir, nImages)
  console.log(`${nImages} synthetic rows written in ${secs(t0).toFixed(1)} s`)
  t0 = performance.now()
  const first = await healthReport(studio, {}, null)
  const firstS = secs(t0)
  const summary = first.findings.map((f) => `${f.kind} ${f.count}`).join(', ')
  console.log(`report, first computation: ${firstS.toFixed(3)} s (${summary})`)
  const cachedTimes: number[] = []
  for (let k = 0; k < 5; k++) {
    t0 = performance.now()
    await healthReport(studio, {}, null)
    cachedTimes.push(secs(t0))
  }
  const cached = Math.max(...cachedTimes)
  console.log(`report, unchanged project (cache in memory): worst of 5 ${cached.toFixed(4)} s`)
  const other = Studio.open(dir)
  t0 = performance.now()
  await healthReport(other, {}, null)
  console.log(`report, new connection (cache on disk, the CLI's case): ${secs(t0).toFixed(3)} s`)
  other.close()
  studio.labels.setLabels([2, 3, 4], 'bee')
  t0 = performance.now()
  await healthReport(studio, {}, null)
  console.log(`report after a label change (near-duplicate groups reused): ${secs(t0).toFixed(3)} s`)
  studio.close()
  return { first: firstS, cached }
}

/** `n` photo-like 800×600 JPEGs (gradient, disc, noise) in 4 class folders, made once. */
async function importSet(n: number): Promise<string> {
  const set = path.join(work, `health-import-set-${n}`)
  if (fs.existsSync(path.join(set, '.complete'))) return set
  fs.rmSync(set, { recursive: true, force: true })
  console.log(`generating ${n} 800×600 JPEGs in ${set} …`)
  for (let i = 0; i < n; i++) {
    const dir = path.join(set, `class${i % 4}`)
    fs.mkdirSync(dir, { recursive: true })
    const hue = (i * 37) % 360
    const svg = `<svg width="800" height="600" xmlns="http://www.w3.org/2000/svg">
      <defs><linearGradient id="g" x2="1" y2="1"><stop offset="0" stop-color="hsl(${hue},70%,60%)"/>
      <stop offset="1" stop-color="hsl(${(hue + 120) % 360},60%,30%)"/>
      </linearGradient></defs><rect width="800" height="600" fill="url(#g)"/>
      <circle cx="${200 + (i % 400)}" cy="300" r="${60 + (i % 90)}" fill="hsl(${(hue + 200) % 360},80%,50%)"/></svg>`
    const noise = await sharp({
      create: {
        width: 800,
        height: 600,
        channels: 3,
        background: '#000',
        noise: { type: 'gaussian', mean: 0, sigma: 12 },
      },
    })
      .png()
      .toBuffer()
    await sharp(Buffer.from(svg))
      .composite([{ input: noise, blend: 'add' }])
      .jpeg({ quality: 85 })
      .toFile(path.join(dir, `photo-${String(i).padStart(5, '0')}.jpg`))
  }
  fs.writeFileSync(path.join(set, '.complete'), '')
  return set
}

/** Wall seconds and CPU seconds (all of this process's threads: libvips' too) of one import. */
async function importOnce(set: string, measureSignals: boolean): Promise<{ wall: number; cpu: number }> {
  const proj = path.join(work, 'health-import-project')
  fs.rmSync(proj, { recursive: true, force: true })
  const studio = Studio.init(proj)
  try {
    const t0 = performance.now()
    const c0 = process.cpuUsage()
    const s = await studio.import(set, { measureSignals })
    const c = process.cpuUsage(c0)
    if (s.imported !== nImport) throw new Error(`imported ${s.imported} of ${nImport}`)
    return { wall: secs(t0), cpu: (c.user + c.system) / 1e6 }
  } finally {
    studio.close()
  }
}

async function importOverhead(): Promise<{ wall: number; cpu: number; cpuPerImage: number }> {
  const set = await importSet(nImport)
  // Warm the OS cache so neither variant pays for the first read.
  for (const f of fs.readdirSync(set, { recursive: true })) {
    const p = path.join(set, String(f))
    if (fs.statSync(p).isFile()) fs.readFileSync(p)
  }
  const wall: number[] = []
  const cpu: number[] = []
  const offCpu: number[] = []
  for (let k = 0; k < rounds; k++) {
    // Alternate which goes first, so drift in the machine's load falls on both.
    const pair: Record<'on' | 'off', { wall: number; cpu: number }> = {
      on: { wall: 0, cpu: 0 },
      off: { wall: 0, cpu: 0 },
    }
    for (const on of k % 2 ? [true, false] : [false, true]) {
      const t = await importOnce(set, on)
      pair[on ? 'on' : 'off'] = t
      console.log(
        `import ${on ? 'with   ' : 'without'} signals: ${t.wall.toFixed(2)} s (${(nImport / t.wall).toFixed(0)} images/s), ` +
          `CPU ${t.cpu.toFixed(2)} s`,
      )
    }
    wall.push(pair.on.wall / pair.off.wall - 1)
    cpu.push(pair.on.cpu / pair.off.cpu - 1)
    offCpu.push(pair.off.cpu)
  }
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`
  console.log(`per round, wall overhead: ${wall.map(pct).join(', ')}; median ${pct(median(wall))}`)
  console.log(`per round, CPU time overhead (all threads): ${cpu.map(pct).join(', ')}; median ${pct(median(cpu))}`)
  return { wall: median(wall), cpu: median(cpu), cpuPerImage: (median(offCpu) / nImport) * 1000 }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}

/**
 * CPU milliseconds per image of the import's thumbnail step without and with signals, through the
 * importer's own functions with as many images in flight as an import (3 per core): blocks of 24
 * images in turn, one block without, the next with (adjacent blocks share the machine's load).
 */
async function stageCost(n: number): Promise<{ off: number; on: number }> {
  const set = await importSet(Math.max(nImport, n))
  const files = fs
    .readdirSync(set, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.jpg'))
    .sort()
    .slice(0, n)
  const bufs = files.map((f) => fs.readFileSync(path.join(set, f)))
  const tmp = path.join(work, 'health-stage')
  fs.rmSync(tmp, { recursive: true, force: true })
  fs.mkdirSync(tmp, { recursive: true })
  sharp.concurrency(1)
  sharp.cache(false)
  const inFlight = os.availableParallelism() * 3
  const block = 24
  const cost = { off: [] as number[], on: [] as number[] }
  for (let round = 0; round < 2; round++) {
    for (let b = 0; b * block < bufs.length; b++) {
      for (const on of b % 2 ? [true, false] : [false, true]) {
        const part = bufs.slice(b * block, (b + 1) * block)
        let next = 0
        const c0 = process.cpuUsage()
        await Promise.all(
          Array.from({ length: inFlight }, async () => {
            while (next < part.length) {
              const k = next++
              const out = path.join(tmp, `${on ? 'on' : 'off'}-${k}.webp`)
              if (on) await writeThumbnailAndSignals(part[k]!, 1e8, out, tmp)
              else await writeThumbnail(part[k]!, 1e8, out, tmp)
            }
          }),
        )
        const c = process.cpuUsage(c0)
        // The first round warms the code and the caches.
        if (round) cost[on ? 'on' : 'off'].push((c.user + c.system) / 1000 / part.length)
      }
    }
  }
  return { off: median(cost.off), on: median(cost.on) }
}

const report = nImages > 0 ? await reportTimes() : null
const overhead = nImport > 0 ? await importOverhead() : null
const stage = nStage > 0 ? await stageCost(nStage) : null
if (stage) {
  console.log(
    `thumbnail step, CPU per image (${nStage} images, median of blocks): ${stage.off.toFixed(2)} ms without signals, ` +
      `${stage.on.toFixed(2)} ms with (+${(stage.on - stage.off).toFixed(2)} ms)`,
  )
}
if (report) {
  console.log(`report_first_s=${report.first.toFixed(3)}`)
  console.log(`report_cached_s=${report.cached.toFixed(4)}`)
}
if (overhead) {
  console.log(`import_cpu_ms_per_image=${overhead.cpuPerImage.toFixed(2)}`)
  console.log(`import_overhead=${overhead.wall.toFixed(3)}`)
  console.log(`import_cpu_overhead=${overhead.cpu.toFixed(3)}`)
  if (stage) console.log(`signals_cpu_share=${((stage.on - stage.off) / overhead.cpuPerImage).toFixed(3)}`)
}
