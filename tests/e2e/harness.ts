/// <reference lib="dom" />
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { serveProject, type RunningServer } from '../../main/server/server'
import { buildAppIf } from '../helpers/build'

/**
 * The page in Debian's Chromium against `studio serve`, for the E2E files: builds the renderer when
 * its sources are newer than the build, serves a project and opens a page. `haveChromium` false: the
 * files skip (apt-get install -y chromium).
 */
export const CHROMIUM = '/usr/bin/chromium'
export const haveChromium = fs.existsSync(CHROMIUM)
if (!haveChromium) console.warn(`SKIPPED browser E2E: ${CHROMIUM} is missing (apt-get install -y chromium)`)
export const repo = path.resolve(import.meta.dirname, '../..')
export const shots = path.join(repo, 'test-output', 'e2e')

function rendererIsStale(): boolean {
  const built = path.join(repo, 'out/renderer/index.html')
  if (!fs.existsSync(built)) return true
  const builtAt = fs.statSync(built).mtimeMs
  const newest = (dir: string): number =>
    Math.max(
      0,
      ...fs.readdirSync(dir, { withFileTypes: true }).map((e) => {
        const p = path.join(dir, e.name)
        return e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs
      }),
    )
  return Math.max(newest(path.join(repo, 'renderer')), newest(path.join(repo, 'preload'))) > builtAt
}

export function buildRendererIfStale(): void {
  buildAppIf(rendererIsStale)
}

export interface StudioPage {
  server: RunningServer
  browser: Browser
  page: Page
  shot(name: string): Promise<void>
  /** Resolves once no request of the page has been in flight for `quietMs` (see `trackRequests`). */
  settled(quietMs?: number): Promise<void>
  close(): Promise<void>
}

/**
 * Counts the page's requests in flight (the contract's POSTs, thumbnails, chunks; not the events
 * WebSocket) and returns a wait for the moment none has been for `quietMs`: what a view shows once
 * its data has arrived, without a fixed sleep that is too long on a quiet machine and may be too
 * short on a loaded one.
 */
export function trackRequests(page: Page): (quietMs?: number) => Promise<void> {
  let inFlight = 0
  let changedAt = Date.now()
  page.on('request', () => {
    inFlight++
    changedAt = Date.now()
  })
  const done = () => {
    inFlight = Math.max(0, inFlight - 1)
    changedAt = Date.now()
  }
  page.on('requestfinished', done)
  page.on('requestfailed', done)
  return async (quietMs = 100) => {
    const deadline = Date.now() + 30_000
    while (inFlight > 0 || Date.now() - changedAt < quietMs) {
      if (Date.now() > deadline) throw new Error(`requests still in flight after 30 s (${inFlight})`)
      await new Promise((r) => setTimeout(r, 20))
    }
    await nextFrames(page) // and the frame those responses render into
  }
}

export async function openStudioPage(projectDir: string, recentFile: string): Promise<StudioPage> {
  buildRendererIfStale()
  fs.mkdirSync(shots, { recursive: true })
  const server = await serveProject(projectDir, {
    rendererDir: path.join(repo, 'out/renderer'),
    log: () => {},
    recentFile,
  })
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-sync'],
  })
  // A page of its own context: axe-core's Playwright builder needs one (browser.newPage() pages are refused).
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  const page = await context.newPage()
  const settled = trackRequests(page)
  return {
    server,
    browser,
    page,
    settled,
    shot: async (name) => void (await page.screenshot({ path: path.join(shots, `${name}.png`) })),
    close: async () => {
      await browser.close()
      await server.close()
    },
  }
}

type AxeRun = (
  context: Document,
  options: object,
) => Promise<{
  violations: { id: string; impact?: string | null; nodes: { target: string[]; failureSummary?: string }[] }[]
}>

let axeSourceText: string | undefined
/** The axe-core that `@axe-core/playwright` (the dev dependency) brings, as a script. */
const axeSource = (): string => {
  const fromAxePlaywright = createRequire(createRequire(import.meta.url).resolve('@axe-core/playwright'))
  return (axeSourceText ??= fs.readFileSync(fromAxePlaywright.resolve('axe-core/axe.min.js'), 'utf8'))
}

/** The WCAG A/AA rules: what "violations" means here (best-practice rules are advice, not failures). */
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']

/**
 * axe-core's critical and serious findings on the page as it is now, one line each (empty: none).
 * The same rules as `@axe-core/playwright`'s `withTags(AXE_TAGS).analyze()`, run with `axe.run` in
 * the page itself (the page has no frames): axe's source is injected once per document rather than
 * three times per check with a blank page opened for `finishRun`, and only the violations are
 * gathered (`resultTypes`), not every passing node: 0.1-0.3 s a check instead of 0.7-1.4 s, with the
 * same findings (compared on Browse, Train and Settings with and without planted violations).
 */
export async function axeProblems(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource())
  const violations = await page.evaluate(
    (tags) =>
      (window as unknown as { axe: { run: AxeRun } }).axe
        .run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] })
        .then((r) => r.violations),
    AXE_TAGS,
  )
  return violations
    .filter((v) => v.impact === 'critical' || v.impact === 'serious')
    .flatMap((v) => v.nodes.map((n) => `${v.impact} ${v.id}: ${n.target.join(' ')} — ${n.failureSummary ?? ''}`))
}

/**
 * Resolves after the page has drawn two more frames: what a change of colour scheme (or anything
 * else applied at the next style pass, the charts' redraw on the theme's change event included)
 * needs before a screenshot shows it.
 */
export const nextFrames = (page: Page): Promise<void> =>
  page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))))

/** The text of the toolbar line with the count and the message (Browse). */
export const toolsText = (page: Page) => page.textContent('.tools').then((t) => t ?? '')

/** Waits until Browse shows `n` images. */
export const showsCount = (page: Page, n: number) =>
  page.waitForFunction(
    (n) => new RegExp(`(^|\\D)${n} images`).test(document.querySelector('.tools .count')?.textContent ?? ''),
    n,
  )
