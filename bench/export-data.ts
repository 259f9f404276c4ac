/**
 * bench/export-data: a dataset export of N generated photo-like JPEGs (default 10,000) in each
 * mode, each in a fresh process so that its peak RSS is the export's own. Every image carries EXIF
 * as a phone writes it (camera, GPS; every fourth one stored sideways with orientation 6), so the
 * default mode re-encodes them all (decode, rotate, strip, JPEG quality 95): its worst case; files
 * without metadata are copied at about the --originals rate. Modes: class folders of a version
 * (default), the same with --originals (bytes copied), CSV of the originals as a streamed zip, COCO
 * of the current labels re-encoded. A plain `cp -r` of the project's media folder is the floor.
 *
 *   npm run bench:export-data [-- --count 10000]
 *
 * Last line: images_per_s=<default mode> peak_rss_mib=<largest of the modes>.
 */
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import sharp from 'sharp'
import { createDatasetVersion } from '../main/engine/datasets/versions'
import { exportData } from '../main/engine/export-data/export-data'
import type { DataExportOptions } from '../main/engine/export-data/options'
import { Studio } from '../main/engine/studio'

const arg = (name: string) => process.argv[process.argv.indexOf(name) + 1]
const count = Number(process.argv.includes('--count') ? arg('--count') : 10_000) || 10_000
const work = path.join(import.meta.dirname, '.work')
const set = path.join(work, `export-data-set-${count}`)
const proj = path.join(work, `export-data-project-${count}`)

interface ChildResult {
  seconds: number
  images: number
  bytes: number
  rssBeforeMb: number
  peakRssMb: number
  /** CPU time of every thread of the process during the export (steadier than wall time on a loaded VM). */
  cpuSeconds: number
}

if (process.argv.includes('--child')) {
  // One export in this fresh process: the project opened, then the export, then its peak RSS.
  const opts = JSON.parse(arg('--child')!) as DataExportOptions & { dest: string }
  const studio = Studio.open(proj)
  const rssBeforeMb = process.memoryUsage().rss / 2 ** 20
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  const r = await exportData(studio, opts.dest, opts)
  const seconds = (performance.now() - t0) / 1000
  const cpu = process.cpuUsage(cpu0)
  studio.close()
  const out: ChildResult = {
    seconds,
    images: r.images,
    bytes: r.bytes,
    rssBeforeMb,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  }
  console.log(JSON.stringify(out))
  process.exit(0)
}

async function makeSet(): Promise<void> {
  if (fs.existsSync(path.join(set, '.complete'))) return
  fs.rmSync(set, { recursive: true, force: true })
  console.log(`generating ${count} 512×384 JPEGs with EXIF and GPS in ${set} …`)
  const noise = await sharp({
    create: {
      width: 512,
      height: 384,
      channels: 3,
      background: '#000',
      noise: { type: 'gaussian', mean: 0, sigma: 10 },
    },
  })
    .png()
    .toBuffer()
  for (let i = 0; i < count; i++) {
    const dir = path.join(set, `class${i % 5}`)
    fs.mkdirSync(dir, { recursive: true })
    const hue = (i * 37) % 360
    const svg = `<svg width="512" height="384" xmlns="http://www.w3.org/2000/svg"><rect width="512" height="384"
      fill="hsl(${hue},60%,50%)"/><circle cx="${100 + (i % 300)}" cy="${80 + (i % 200)}" r="${30 + (i % 70)}"
      fill="hsl(${(hue + 180) % 360},80%,50%)"/></svg>`
    await sharp(Buffer.from(svg))
      .composite([{ input: noise, blend: 'add', left: 0, top: 0 }])
      .jpeg({ quality: 85 })
      .withMetadata({ orientation: i % 4 === 0 ? 6 : 1 })
      .withExif({
        IFD0: { Make: 'Bench', Model: 'Phone' },
        IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 0/1' },
      })
      .toFile(path.join(dir, `photo-${String(i).padStart(5, '0')}.jpg`))
  }
  fs.writeFileSync(path.join(set, '.complete'), '')
}

async function makeProject(): Promise<void> {
  if (fs.existsSync(path.join(proj, '.complete'))) return
  fs.rmSync(proj, { recursive: true, force: true })
  console.log(`importing into ${proj} …`)
  const studio = Studio.init(proj)
  await studio.import(set)
  createDatasetVersion(studio.store, { seed: 7 })
  studio.close()
  fs.writeFileSync(path.join(proj, '.complete'), '')
}

function runChild(opts: DataExportOptions): ChildResult {
  const dest = path.join(work, 'export-data-out')
  fs.rmSync(dest, { recursive: true, force: true })
  fs.rmSync(`${dest}.zip`, { force: true })
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', import.meta.filename, '--count', String(count), '--child', JSON.stringify({ ...opts, dest })],
    { encoding: 'utf8', maxBuffer: 1 << 24 },
  )
  if (r.status !== 0) throw new Error(`export child failed: ${r.stderr}`)
  fs.rmSync(dest, { recursive: true, force: true })
  fs.rmSync(`${dest}.zip`, { force: true })
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as ChildResult
}

await makeSet()
await makeProject()
const versionId = 1
const setBytes = fs
  .readdirSync(path.join(proj, 'media'), { recursive: true })
  .map((f) => path.join(proj, 'media', String(f)))
  .filter((p) => fs.statSync(p).isFile())
  .reduce((n, p) => n + fs.statSync(p).size, 0)
console.log(
  `set: ${count} JPEGs, ${(setBytes / 1e6).toFixed(0)} MB; ${os.availableParallelism()} cores, ` +
    `load ${os.loadavg()[0]!.toFixed(1)}; sharp ${sharp.versions.sharp}, libvips ${sharp.versions.vips}`,
)

const modes: [string, DataExportOptions][] = [
  ['folders, version, re-encoded (default)', { versionId }],
  ['folders, version, --originals', { versionId, originals: true }],
  ['csv, version, --originals --zip', { format: 'csv', versionId, originals: true, zip: true }],
  ['coco, current labels, re-encoded', { format: 'coco' }],
]
console.log('| mode | images | wall | images/s | written | CPU per image | RSS before | peak RSS |')
console.log('|---|---|---|---|---|---|---|---|')
let defaultRate = 0
let peak = 0
for (const [name, opts] of modes) {
  const r = runChild(opts)
  const rate = r.images / r.seconds
  if (!defaultRate) defaultRate = rate
  peak = Math.max(peak, r.peakRssMb)
  const cells = [
    name,
    r.images,
    `${r.seconds.toFixed(1)} s`,
    rate.toFixed(0),
    `${(r.bytes / 1e6).toFixed(0)} MB`,
    `${((r.cpuSeconds / r.images) * 1000).toFixed(1)} ms`,
    `${r.rssBeforeMb.toFixed(0)} MiB`,
    `${r.peakRssMb.toFixed(0)} MiB`,
  ]
  console.log(`| ${cells.join(' | ')} |`)
}
const copyDest = path.join(work, 'export-data-cp')
fs.rmSync(copyDest, { recursive: true, force: true })
const t0 = performance.now()
spawnSync('cp', ['-r', path.join(proj, 'media'), copyDest])
const cpSeconds = (performance.now() - t0) / 1000
fs.rmSync(copyDest, { recursive: true, force: true })
const cpRate = (count / cpSeconds).toFixed(0)
console.log(`| cp -r media (floor for copying the bytes) | ${count} | ${cpSeconds.toFixed(1)} s | ${cpRate} | | | | |`)
console.log(
  `resources: ${os.availableParallelism()} cores; each Studio mode one Node process (2 × cores images in flight, 4–16; ` +
    `libvips' default threads); the cp -r floor one process`,
)
console.log(`images_per_s=${defaultRate.toFixed(0)} peak_rss_mib=${peak.toFixed(0)}`)
