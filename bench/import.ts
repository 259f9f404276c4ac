/**
 * bench/import: Studio's import (hash, metadata, original copied in, 256 px WebP thumbnail, SQLite
 * rows) against the same work in Python/PIL (hash, metadata, thumbnail; no copy, no database),
 * measured in the same run on a generated set of photo-sized JPEGs. Equal resources: Studio uses
 * every core (3 × cores files at once, one libvips thread each, in one Node process), so the peer
 * runs with as many processes as there are cores (multiprocessing); the single-process peer is
 * measured too.
 *
 *   npm run bench:import [-- --count 2000]
 *
 * Last lines: ratio_vs_pil_1_process=<Studio ÷ PIL in one process>, then the headline
 * ratio_vs_pil=<Studio images/s ÷ PIL images/s with one process per core>.
 */
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import sharp from 'sharp'
import { Studio } from '../main/engine/studio'

const cores = os.availableParallelism()
const count = Number(process.argv[process.argv.indexOf('--count') + 1] || 2000) || 2000
const work = path.join(import.meta.dirname, '.work')
const set = path.join(work, `import-set-${count}`)

async function makeSet(): Promise<void> {
  if (fs.existsSync(path.join(set, '.complete'))) return
  fs.rmSync(set, { recursive: true, force: true })
  console.log(`generating ${count} 800×600 JPEGs in ${set} …`)
  for (let i = 0; i < count; i++) {
    const dir = path.join(set, `class${i % 4}`)
    fs.mkdirSync(dir, { recursive: true })
    const hue = (i * 37) % 360
    // A gradient with mild noise compresses like a photo (≈ 60–120 KB at quality 85).
    const svg = `<svg width="800" height="600" xmlns="http://www.w3.org/2000/svg"><defs><linearGradient id="g" x2="1" y2="1">
      <stop offset="0" stop-color="hsl(${hue},70%,60%)"/><stop offset="1" stop-color="hsl(${(hue + 120) % 360},60%,30%)"/></linearGradient></defs>
      <rect width="800" height="600" fill="url(#g)"/><circle cx="${200 + (i % 400)}" cy="300" r="${60 + (i % 90)}" fill="hsl(${(hue + 200) % 360},80%,50%)"/></svg>`
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
}

function python(): string {
  for (const p of ['/usr/bin/python3', 'python3']) {
    if (spawnSync(p, ['-c', 'import PIL'], { stdio: 'ignore' }).status === 0) return p
  }
  throw new Error('no python3 with PIL: apt-get install -y python3-pil')
}

await makeSet()
const bytes = fs.readdirSync(set, { recursive: true }).reduce((n, f) => {
  const p = path.join(set, String(f))
  return fs.statSync(p).isFile() ? n + fs.statSync(p).size : n
}, 0)
console.log(
  `set: ${count} JPEGs, ${(bytes / 1e6).toFixed(0)} MB; ${cores} cores, load ${os.loadavg()[0]!.toFixed(1)}; sharp ${sharp.versions.sharp}, libvips ${sharp.versions.vips}`,
)

// Drop the OS cache advantage for whoever runs second: read everything once first.
for (const f of fs.readdirSync(set, { recursive: true })) {
  const p = path.join(set, String(f))
  if (fs.statSync(p).isFile()) fs.readFileSync(p)
}

const proj = path.join(work, 'import-project')
fs.rmSync(proj, { recursive: true, force: true })
const studio = Studio.init(proj)
const t0 = performance.now()
const cpu0 = process.cpuUsage()
const s = await studio.import(set)
const studioSecs = (performance.now() - t0) / 1000
const cpu = process.cpuUsage(cpu0)
const studioCpuMs = (cpu.user + cpu.system) / 1000 / count
studio.close()
if (s.imported !== count) throw new Error(`Studio imported ${s.imported} of ${count}`)
const studioRate = count / studioSecs
console.log(
  `studio: ${count} images in ${studioSecs.toFixed(2)} s = ${studioRate.toFixed(1)} images/s (copy + thumbnail + SQLite; ${cores} cores); CPU ${studioCpuMs.toFixed(1)} ms per image (all threads)`,
)

function pil(processes: number): { rate: number; cpuMs: number } {
  const out = path.join(work, 'pil-thumbs')
  fs.rmSync(out, { recursive: true, force: true })
  const script = path.join(import.meta.dirname, 'pil_import.py')
  const r = spawnSync(python(), [script, set, out, '--processes', String(processes)], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`PIL script failed: ${r.stderr}`)
  const res = JSON.parse(r.stdout.trim().split('\n').pop()!) as { images: number; seconds: number; cpu_seconds: number }
  const rate = res.images / res.seconds
  console.log(
    `pil ×${processes}: ${res.images} images in ${res.seconds.toFixed(2)} s = ${rate.toFixed(1)} images/s (thumbnail only; ${processes} process${processes > 1 ? 'es' : ''}); CPU ${((res.cpu_seconds / res.images) * 1000).toFixed(1)} ms per image`,
  )
  return { rate, cpuMs: (res.cpu_seconds / res.images) * 1000 }
}
const pilMulti = pil(cores)
const pilSingle = pil(1)
console.log(
  `resources: Studio one Node process on ${cores} cores (${3 * cores} files at once, 1 libvips thread each); ` +
    `PIL ${cores} processes (headline) and 1 process`,
)
console.log(`load after: ${os.loadavg()[0]!.toFixed(1)}`)
// On a busy machine the scheduler shares the cores per runnable thread, and Studio has more of them
// than either peer: CPU time per image is the figure that does not depend on the neighbours.
console.log(
  `cpu_ratio_vs_pil=${(pilMulti.cpuMs / studioCpuMs).toFixed(2)} (PIL's CPU per image ÷ Studio's: the ratio on equal free cores)`,
)
console.log(`ratio_vs_pil_1_process=${(studioRate / pilSingle.rate).toFixed(2)}`)
console.log(`ratio_vs_pil=${(studioRate / pilMulti.rate).toFixed(2)}`)
