import path from 'node:path'
import { chromium } from 'playwright-core'
import type { Studio } from '../../main/engine/studio'
import { serveProject } from '../../main/server/server'
import { subtreeRssMb } from './rss'

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-renderer-backgrounding',
  '--disable-background-timer-throttling',
  '--disable-backgrounding-occluded-windows',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/**
 * Browser mode on the project (served from this process, headless Chromium): the time from
 * navigation to the first tile with its thumbnail in the DOM, then the Browse lens: a run's
 * predictions switched on (until the first tile shows one), and its mistakes alone (until every
 * tile on screen is a mistake).
 */
export async function browseInChromium(
  studio: Studio,
  rendererDir: string,
  runId: number,
  log: (s: string) => void,
): Promise<{ firstTileMs: number; lensMs: number; mistakesMs: number; chromiumMb: number }> {
  const server = await serveProject(studio.root, {
    rendererDir,
    log: () => {},
    recentFile: path.join(studio.root, '..', 'recent.json'),
  })
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS })
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    await page.addInitScript(`new MutationObserver((_, obs) => {
      const img = document.querySelector('[data-index="0"] img')
      if (img) { window.firstTile = performance.now(); obs.disconnect() }
    }).observe(document, { childList: true, subtree: true })`)
    await page.goto(server.url)
    await page.waitForSelector('[data-index="0"] img')
    const firstTileMs = (await page.evaluate('window.firstTile')) as number
    const loaded = await page.waitForFunction(
      `(() => { const i = document.querySelector('[data-index="0"] img'); return i && i.complete && i.naturalWidth > 0 })()`,
      null,
      { timeout: 30_000 },
    )
    await loaded.dispose()
    const decodedMs = (await page.evaluate('performance.now()')) as number
    log(
      `grid: first tile in the DOM ${firstTileMs.toFixed(0)} ms after navigation start (goal < 1000 ms); its thumbnail decoded by ${decodedMs.toFixed(0)} ms`,
    )

    let t = performance.now()
    await page.selectOption('select[aria-label="Predictions of run"]', { label: `Predictions of run ${runId}` })
    await page.waitForSelector('[data-index="0"] .pred')
    const lensMs = performance.now() - t
    t = performance.now()
    await page.selectOption('select[aria-label="Correctness"]', { label: 'Incorrect' })
    await page.waitForFunction(
      `(() => { const p = [...document.querySelectorAll('[data-index] .pred')]; return p.length > 0 && p.every((e) => e.classList.contains('wrong')) })()`,
      null,
      { timeout: 60_000 },
    )
    const mistakesMs = performance.now() - t
    const shown = (await page.locator('[data-index] .pred').count()) as number
    log(
      `lens: run ${runId}'s predictions on the grid in ${lensMs.toFixed(0)} ms; its mistakes alone in ${mistakesMs.toFixed(0)} ms (${shown} tiles on screen)`,
    )
    const chromiumMb = subtreeRssMb(process.pid, (comm) => /chrom/i.test(comm))
    return { firstTileMs, lensMs, mistakesMs, chromiumMb }
  } finally {
    await browser.close()
    await server.close()
  }
}
