/**
 * bench/grid: the browse view at 100,000 images in Chromium (browser mode). Prints the time from
 * navigation to the first painted tile, and frame times during a scripted scroll to the very end
 * (the grid is sized by the total; pages of 200 rows load by position as they come into view).
 * Synthetic rows with real WebP thumbnails: 256 distinct ones generated with sharp, hard-linked under
 * every row's hash, so the page fetches and decodes a thumbnail per tile as it would in a real project.
 * `--no-thumbs` leaves them out (tiles show the "missing" placeholder).
 *
 * `--first-only` stops after the first tile; `--repeat K` loads the page K times (each in a fresh
 * browser context: nothing cached) and prints every first-tile time with the requests' timeline
 * (the page, its scripts, the API calls), so builds can be compared in alternation on a noisy VM;
 * `--renderer DIR[,DIR2…]` serves another build of the page (default out/renderer); with several, the
 * loads alternate between them (A, B, A, B…) on the one server, and each build's median is printed.
 *
 *   npm run build && npm run bench:grid [-- --images 100000] [-- --no-thumbs] [-- --first-only] [-- --repeat 5]
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { chromium } from 'playwright-core'
import sharp from 'sharp'
import { thumbFile } from '../main/engine/media/formats'
import { Studio } from '../main/engine/studio'
import { serveProject } from '../main/server/server'
import { insertSyntheticImages } from '../tests/helpers/synthetic'
import { CHROMIUM_ARGS } from './lib/scale-browser'

const arg = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined)
const n = Number(arg('--images') ?? 100_000) || 100_000
const renderers = (arg('--renderer') ?? path.join(import.meta.dirname, '../out/renderer'))
  .split(',')
  .map((d) => path.resolve(d))
const renderer = renderers[0]!
const repeat = Math.max(1, Number(arg('--repeat') ?? 1) || 1)
for (const r of renderers)
  if (!fs.existsSync(path.join(r, 'index.html'))) throw new Error(`${r}: run npm run build first`)
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'studio-grid-'))
const studio = Studio.init(dir)
insertSyntheticImages(studio, n)
const thumbs = !process.argv.includes('--no-thumbs')
if (thumbs) {
  const t0 = performance.now()
  const paths = studio.project.paths
  const sources: string[] = []
  for (let k = 0; k < 256; k++) {
    const file = path.join(dir, 'thumb-src', `${k}.webp`)
    fs.mkdirSync(path.dirname(file), { recursive: true })
    const bg = { r: (k * 67) % 256, g: (k * 131) % 256, b: (k * 29) % 256 }
    const dot = await sharp({
      create: { width: 64, height: 64, channels: 3, background: { r: 255 - bg.r, g: 255 - bg.g, b: 255 - bg.b } },
    })
      .png()
      .toBuffer()
    await sharp({ create: { width: 256, height: 192, channels: 3, background: bg } })
      .composite([{ input: dot, left: (k * 7) % 192, top: (k * 3) % 128 }])
      .webp({ quality: 80 })
      .toFile(file)
    sources.push(file)
  }
  for (let i = 0; i < n; i++) {
    const file = thumbFile(paths.thumbs, i.toString(16).padStart(64, '0'))
    fs.mkdirSync(path.dirname(file), { recursive: true })
    fs.linkSync(sources[i % sources.length]!, file)
  }
  console.log(`thumbnails for ${n} rows in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
}
// The server reads rendererDir at every request: the loads below switch builds between pages.
const serveOpts = { rendererDir: renderer, log: () => {}, recentFile: path.join(dir, 'recent.json') }
const server = await serveProject(studio.root, serveOpts)
console.log(
  `resources: ${os.availableParallelism()} cores shared by the server (this Node process, one SQLite connection) ` +
    'and headless Chromium (software rendering, --disable-gpu, its own processes)',
)
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: CHROMIUM_ARGS,
})
// Note the moment the first tile enters the DOM, from inside the page.
const watchFirstTile = `new MutationObserver((_, obs) => {
  if (document.querySelector('[data-index="0"] img')) { window.firstTile = performance.now(); obs.disconnect() }
}).observe(document, { childList: true, subtree: true })`
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const tiles = new Map<string, number[]>(renderers.map((r) => [r, []]))
const loads = repeat > 1 ? repeat * renderers.length : 0
for (let k = 0; k < loads; k++) {
  const r = renderers[k % renderers.length]!
  serveOpts.rendererDir = r
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  const p = await context.newPage()
  await p.addInitScript(watchFirstTile)
  await p.goto(server.url)
  await p.waitForSelector('[data-index="0"] img')
  tiles.get(r)!.push((await p.evaluate('window.firstTile')) as number)
  // Where the time went: when each request of the page started and ended (ms after navigation start).
  const timeline = (await p.evaluate(
    `performance.getEntriesByType('resource').map((e) => e.name.replace(/^.*\\/(api\\/call\\/)?/, '').replace(/\\?.*$/, '') + ' ' + e.startTime.toFixed(0) + '–' + e.responseEnd.toFixed(0)).filter((l) => !/^[0-9a-f]{64}/.test(l)).join(', ')`,
  )) as string
  const name = renderers.length > 1 ? ` (${path.relative(process.cwd(), r) || r})` : ''
  console.log(`  load ${k + 1}${name}: first tile ${tiles.get(r)!.at(-1)!.toFixed(0)} ms; ${timeline}`)
  await context.close()
}
serveOpts.rendererDir = renderer
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
await page.addInitScript(watchFirstTile)
await page.goto(server.url)
await page.waitForSelector('[data-index="0"]')
const firstPaint = (await page.evaluate('window.firstTile')) as number
console.log(
  `${n} images${thumbs ? ' with thumbnails' : ''}: first tile in the DOM ${firstPaint.toFixed(0)} ms after navigation start`,
)
for (const [r, xs] of tiles) {
  if (xs.length)
    console.log(
      `  ${r}: ${xs.length} fresh loads ${xs.map((x) => x.toFixed(0)).join(', ')}; median ${median(xs).toFixed(0)} ms`,
    )
}
if (process.argv.includes('--first-only')) {
  const medians = [...tiles.values()].filter((xs) => xs.length).map((xs) => median(xs).toFixed(0))
  console.log(
    `first_paint_ms=${firstPaint.toFixed(0)}${medians.length ? ` first_paint_median_ms=${medians.join(',')}` : ''}`,
  )
  await browser.close()
  await server.close()
  studio.close()
  fs.rmSync(dir, { recursive: true, force: true })
  process.exit(0)
}

// Two scripted scrolls, every frame's duration recorded from inside the page (a string, so the
// bundler's helpers never reach it):
// - flick: a fast hand scroll (--px-per-frame, default 240 px ≈ 14,000 px/s at 60 Hz) for 90 frames
//   at 0 %, 20 %, … 80 % of the list (each a jump: a page fetched by position), then to the end;
// - read: 40 px per frame (2,400 px/s: slow enough that the grid loads every thumbnail) for 300
//   frames from the top;
// - stress: one whole screen per frame from the top, 600 frames or to the end (every tile new every
//   frame; a worst case no hand produces).
// Above 4,000 px/s the grid defers thumbnail requests until the scroll slows (ThumbGrid.vue), so the
// flick and stress scrolls draw tiles without images; the read scroll loads them all.
const pxPerFrame = Number(process.argv[process.argv.indexOf('--px-per-frame') + 1] || 240) || 240
type Frames = { seconds: number; frames: number; p50: number; p95: number; max: number }
const scroll = (mode: 'flick' | 'stress' | 'read') =>
  page.evaluate(`(async (total, mode, px) => {
  const el = document.querySelector('[data-testid="grid"]')
  const frames = []
  const start = performance.now()
  let last = start
  let k = 0
  el.scrollTop = 0
  const atEnd = () => el.scrollTop + el.clientHeight >= el.scrollHeight - 2 && document.querySelector('[data-index="' + (total - 1) + '"]')
  await new Promise((resolve) => {
    function step(t) {
      frames.push(t - last)
      last = t
      k++
      if (mode === 'stress') el.scrollTop += el.clientHeight
      else if (mode === 'read') el.scrollTop += 40
      else if (k % 90 === 1 && k < 90 * 5) el.scrollTop = Math.floor((k / 90) / 5 * el.scrollHeight)
      else if (k >= 90 * 5 && k % 90 === 1) el.scrollTop = el.scrollHeight
      else el.scrollTop += px
      if ((k >= 90 * 5 || mode === 'stress') && atEnd() || (mode === 'stress' && k > 600) || (mode === 'read' && k > 300) || t - start > 600000) resolve()
      else requestAnimationFrame(step)
    }
    requestAnimationFrame(step)
  })
  frames.shift()
  frames.sort((a, b) => a - b)
  return { seconds: (performance.now() - start) / 1000, frames: frames.length, p50: frames[Math.floor(frames.length / 2)], p95: frames[Math.floor(frames.length * 0.95)], max: frames[frames.length - 1] }
})(${n}, '${mode}', ${pxPerFrame})`) as Promise<Frames>
const show = (what: string, r: Frames) =>
  console.log(
    `${what}: ${r.seconds.toFixed(1)} s, ${r.frames} frames; frame time p50 ${r.p50.toFixed(1)} ms, p95 ${r.p95.toFixed(1)} ms, max ${r.max.toFixed(1)} ms`,
  )
const read = await scroll('read')
show('read scroll (40 px/frame, thumbnails load, 300 frames)', read)
const loaded = (await page.evaluate(
  `[...document.querySelectorAll('[data-testid="grid"] img')].filter((i) => i.complete && i.naturalWidth > 0).length`,
)) as number
console.log(`  thumbnails decoded on screen after the read scroll: ${loaded}`)
const flick = await scroll('flick')
show(`flick scroll (${pxPerFrame} px/frame, 5 jumps, to the end)`, flick)
const stress = await scroll('stress')
show('stress scroll (a screen per frame, 600 frames or to the end)', stress)
console.log(
  `first_paint_ms=${firstPaint.toFixed(0)} read_p50_ms=${read.p50.toFixed(1)} read_p95_ms=${read.p95.toFixed(1)} flick_p50_ms=${flick.p50.toFixed(1)} flick_p95_ms=${flick.p95.toFixed(1)} stress_p50_ms=${stress.p50.toFixed(1)} stress_p95_ms=${stress.p95.toFixed(1)}`,
)
await browser.close()
await server.close()
studio.close()
fs.rmSync(dir, { recursive: true, force: true })
