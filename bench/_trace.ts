import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { chromium } from 'playwright-core'
import sharp from 'sharp'
import { thumbFile } from '../main/engine/media/formats'
import { Studio } from '../main/engine/studio'
import { serveProject } from '../main/server/server'
import { insertSyntheticImages } from '../tests/helpers/synthetic'
const n = 20000
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'studio-grid-'))
const studio = Studio.init(dir)
insertSyntheticImages(studio, n)
const src = path.join(dir, 't.webp')
await sharp({ create: { width: 256, height: 192, channels: 3, background: { r: 200, g: 10, b: 10 } } })
  .webp()
  .toFile(src)
for (let i = 0; i < n; i++) {
  const f = thumbFile(studio.project.paths.thumbs, i.toString(16).padStart(64, '0'))
  fs.mkdirSync(path.dirname(f), { recursive: true })
  fs.linkSync(src, f)
}
const server = await serveProject(studio.root, {
  rendererDir: path.resolve('out/renderer'),
  log: () => {},
  recentFile: path.join(dir, 'r.json'),
})
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] })
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
await page.goto(server.url)
await page.waitForSelector('[data-index="0"]')
await browser.startTracing(page, {
  categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8.execute'],
})
const r = await page.evaluate(`(async () => {
  const el = document.querySelector('[data-testid="grid"]')
  const frames = []; let last = performance.now(); let k = 0
  await new Promise((resolve) => { function step(t) { frames.push(t - last); last = t; el.scrollTop += 240; if (++k > 300) resolve(); else requestAnimationFrame(step) } requestAnimationFrame(step) })
  frames.sort((a,b)=>a-b); return frames[150] + ' ' + frames[285]
})()`)
const buf = await browser.stopTracing()
console.log('p50 p95', r)
interface TraceEvent {
  name: string
  ph: string
  tid: number
  pid: number
  dur: number
  args?: { name?: string }
}
const events = (JSON.parse(buf.toString()) as { traceEvents: TraceEvent[] }).traceEvents
const main = events.find((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain')
const onMain = events.filter((e) => e.ph === 'X' && e.tid === main.tid && e.pid === main.pid)
const long = onMain.filter((e) => e.name === 'RunTask' && e.dur > 25000)
console.log('long tasks', long.length)
for (const t of long.slice(0, 12)) {
  const kids = onMain.filter((e) => e.ts >= t.ts && e.ts < t.ts + t.dur && e.name !== 'RunTask' && e.dur > 2000)
  console.log(
    (t.dur / 1000).toFixed(0),
    kids
      .map(
        (k) =>
          `${k.name}${k.args?.data?.type ? ':' + k.args.data.type : ''}${k.args?.data?.functionName ? ':' + k.args.data.functionName : ''}${k.args?.data?.url ? ':' + String(k.args.data.url).slice(-24) : ''} ${(k.dur / 1000).toFixed(0)}`,
      )
      .join(' | '),
  )
}
await browser.close()
await server.close()
studio.close()
