/**
 * bench/grid: the browse view at 100,000 images in Chromium (browser mode). Prints the time from
 * navigation to the first painted tile, and frame times during a scripted scroll to the very end
 * (pages of 200 load as the grid nears its end). Synthetic rows: tiles show the "missing" placeholder.
 *
 *   npm run build && npm run bench:grid [-- --images 100000]
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { chromium } from 'playwright-core'
import { Studio } from '../main/engine/studio'
import { serveProject } from '../main/server/server'
import { insertSyntheticImages } from '../tests/helpers/synthetic'

const n = Number(process.argv[process.argv.indexOf('--images') + 1] || 100_000) || 100_000
const renderer = path.resolve(import.meta.dirname, '../out/renderer')
if (!fs.existsSync(path.join(renderer, 'index.html'))) throw new Error('run npm run build first')
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'studio-grid-'))
const studio = Studio.init(dir)
insertSyntheticImages(studio, n)
const server = await serveProject(studio.root, { rendererDir: renderer, log: () => {}, recentFile: path.join(dir, 'recent.json') })
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-renderer-backgrounding', '--disable-background-timer-throttling', '--disable-backgrounding-occluded-windows', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
})
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
// Note the moment the first tile enters the DOM, from inside the page.
await page.addInitScript(`new MutationObserver((_, obs) => {
  if (document.querySelector('[data-index="0"] img')) { window.firstTile = performance.now(); obs.disconnect() }
}).observe(document, { childList: true, subtree: true })`)
await page.goto(server.url)
await page.waitForSelector('[data-index="0"]')
const firstPaint = (await page.evaluate('window.firstTile')) as number
console.log(`${n} images: first tile in the DOM ${firstPaint.toFixed(0)} ms after navigation start`)

// Scroll to the end in steps of one screen per frame; record every frame's duration.
// A string, so the bundler's helpers never reach the page.
const result = (await page.evaluate(`(async (total) => {
  const el = document.querySelector('[data-testid="grid"]')
  const frames = []
  const start = performance.now()
  let last = start
  await new Promise((resolve) => {
    function step(t) {
      frames.push(t - last)
      last = t
      el.scrollTop += el.clientHeight
      const loaded = document.querySelectorAll('[data-index]')
      let maxIndex = 0
      for (const e of loaded) maxIndex = Math.max(maxIndex, Number(e.getAttribute('data-index')))
      if (maxIndex >= total - 1 || t - start > 600000) resolve()
      else requestAnimationFrame(step)
    }
    requestAnimationFrame(step)
  })
  frames.shift()
  frames.sort((a, b) => a - b)
  return { seconds: (performance.now() - start) / 1000, frames: frames.length, p50: frames[Math.floor(frames.length / 2)], p95: frames[Math.floor(frames.length * 0.95)], max: frames[frames.length - 1] }
})(${n})`)) as { seconds: number; frames: number; p50: number; p95: number; max: number }
console.log(`scroll to the end: ${result.seconds.toFixed(1)} s, ${result.frames} frames; frame time p50 ${result.p50.toFixed(1)} ms, p95 ${result.p95.toFixed(1)} ms, max ${result.max.toFixed(1)} ms`)
console.log(`first_paint_ms=${firstPaint.toFixed(0)} frame_p95_ms=${result.p95.toFixed(1)} frame_max_ms=${result.max.toFixed(1)}`)
await browser.close()
await server.close()
studio.close()
fs.rmSync(dir, { recursive: true, force: true })
