/// <reference lib="dom" />
import fs from 'node:fs'
import path from 'node:path'
import AxeBuilder from '@axe-core/playwright'
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
  close(): Promise<void>
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
  return {
    server,
    browser,
    page,
    shot: async (name) => void (await page.screenshot({ path: path.join(shots, `${name}.png`) })),
    close: async () => {
      await browser.close()
      await server.close()
    },
  }
}

/** axe-core's critical and serious findings on the page as it is now, one line each (empty: none). */
export async function axeProblems(page: Page): Promise<string[]> {
  // The WCAG A/AA rules: what "violations" means here (best-practice rules are advice, not failures).
  const r = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze()
  return r.violations
    .filter((v) => v.impact === 'critical' || v.impact === 'serious')
    .flatMap((v) => v.nodes.map((n) => `${v.impact} ${v.id}: ${n.target.join(' ')} — ${n.failureSummary ?? ''}`))
}

/** The text of the toolbar line with the count and the message (Browse). */
export const toolsText = (page: Page) => page.textContent('.tools').then((t) => t ?? '')

/** Waits until Browse shows `n` images. */
export const showsCount = (page: Page, n: number) =>
  page.waitForFunction(
    (n) => new RegExp(`(^|\\D)${n} images`).test(document.querySelector('.tools .count')?.textContent ?? ''),
    n,
  )
