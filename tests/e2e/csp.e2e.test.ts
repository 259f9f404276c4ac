/// <reference lib="dom" />
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeShapes } from '../../main/engine/sample/shapes'
import { Studio } from '../../main/engine/studio'
import { withDefaults } from '../../main/engine/training/config'
import { createDatasetVersion } from '../../main/engine/datasets/versions'
import { runTraining } from '../../main/engine/training/trainer'
import { tmpDir } from '../helpers/fixtures'
import { haveChromium, openStudioPage, repo, type StudioPage } from './harness'

/**
 * The page runs under a Content-Security-Policy without 'unsafe-inline' for styles (nor scripts):
 * every view, the dialogs, the charts and the rendered model card are opened in Chromium and every
 * `securitypolicyviolation` (and CSP console error) is collected. Vue's `:style` bindings set CSSOM
 * properties, which CSP does not govern; a `style="…"` attribute in parsed HTML or a <style> tag would
 * show up here.
 */

declare global {
  interface Window {
    __csp?: string[]
  }
}

const VIEWS: [string, string][] = [
  ['projects', '.projects'],
  ['browse', '[data-index="0"]'],
  ['import', '.import'],
  ['health', 'main section'],
  ['review', 'main section'],
  ['label-next', 'main section'],
  ['train', 'main section'],
  ['runs', '.runs table'],
  ['evaluate', '[data-cell="0-0"]'],
  ['export', '.export'],
  ['try', '.try'],
  ['settings', '.settings'],
]

describe.skipIf(!haveChromium)('Content-Security-Policy in Chromium', () => {
  const root = tmpDir()
  let studio: Studio
  let ui: StudioPage
  const violations: string[] = []

  beforeAll(async () => {
    await writeShapes(path.join(root, 'data', 'train'), 8)
    await writeShapes(path.join(root, 'data', 'val'), 3, 2)
    studio = Studio.init(path.join(root, 'proj'))
    await studio.import(path.join(root, 'data'))
    const full = withDefaults({ epochs: 1, inputSize: 32, useOriginSplits: true, workers: 1 })
    const v = createDatasetVersion(studio.store, { seed: full.seed, fractions: full.fractions, useOriginSplits: true })
    const id = studio.store.runs.create({
      datasetVersion: v,
      preset: full.preset,
      config: JSON.stringify(full),
      createdAt: new Date().toISOString(),
      pid: process.pid,
    })
    await runTraining({ projectDir: studio.root, runId: id, resume: false }, { emit: () => {}, cancelled: () => false })
    ui = await openStudioPage(studio.root, path.join(root, 'recent.json'))
    await ui.page.addInitScript(() => {
      window.__csp = []
      document.addEventListener('securitypolicyviolation', (e) =>
        window.__csp!.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber} ${e.sample}`),
      )
    })
    ui.page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(`console: ${m.text()}`)
    })
  }, 180_000)

  afterAll(async () => {
    await ui?.close()
    studio?.close()
  })

  const collect = async (where: string) => {
    const found = await ui.page.evaluate(() => window.__csp?.splice(0) ?? [])
    violations.push(...found.map((v) => `${where}: ${v}`))
  }

  it('the built page itself declares no inline styles or scripts', () => {
    const html = fs.readFileSync(path.join(repo, 'out/renderer/index.html'), 'utf8')
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1] ?? ''
    expect(meta).toMatch(/style-src 'self'(;|$)/)
    expect(meta).not.toMatch(/unsafe-inline|unsafe-eval/)
    expect(html).not.toMatch(/<style|style="/)
  })

  it('every view, its dialogs, charts and the model card load without a CSP violation', async () => {
    const p = ui.page
    const origin = new URL(ui.server.url).origin
    await p.goto(ui.server.url)
    await p.waitForSelector('[data-index="0"]')
    // Each theme from a fresh page (the page's own styles, the first view's chunk), then every view
    // by address as the user goes from view to view (each chunk's styles injected as it arrives).
    // The collector listens to the whole document, so a violation is seen wherever it happens.
    for (const scheme of ['light', 'dark'] as const) {
      await p.emulateMedia({ colorScheme: scheme })
      for (const [i, [view, ready]] of VIEWS.entries()) {
        await p.goto(`${origin}/#/${view}`)
        if (i === 0) await p.reload()
        await p.waitForSelector(`main > .${view}`)
        await p.waitForSelector(ready)
        await ui.settled()
        await collect(`${scheme} ${view}`)
      }
    }
    await p.emulateMedia({ colorScheme: 'light' })
    // Browse's large view and the keys help.
    await p.goto(`${origin}/#/browse`)
    await p.click('[data-index="0"]')
    await p.keyboard.press('Space')
    await p.waitForSelector('[data-testid="zoom"]')
    await p.keyboard.press('Escape')
    await p.keyboard.press('?')
    await p.waitForSelector('[aria-labelledby="keys-title"]')
    await p.keyboard.press('Escape')
    await collect('browse dialogs')
    // Evaluate's matrix cell gallery, Try's class bars, Export's model card (Markdown through v-html).
    await p.click('nav >> text=Evaluate')
    await p.click('[data-cell="1-1"]')
    await p.waitForSelector('[data-testid="cell-title"]')
    await collect('evaluate gallery')
    await p.click('nav >> text=Try the model')
    await p.waitForSelector('[data-testid="file-input"]')
    await writeShapes(path.join(root, 'try'), 1, 9)
    await p.setInputFiles('[data-testid="file-input"]', path.join(root, 'try', 'square', 'square-0000.jpg'))
    await p.waitForSelector('[data-testid="try-results"] li .bar')
    await collect('try')
    await p.click('nav >> text=Export')
    await p.fill('input[aria-label="Destination folder"]', path.join(root, 'exported'))
    await p.click('button:has-text("Export")')
    await p.waitForSelector('[data-testid="model-card"] table', { timeout: 90_000 })
    await collect('export card')
    await ui.shot('csp-export-card')
    expect(violations).toEqual([])
  }, 300_000)

  it('the collector sees a violation when there is one (an inline <style> added by hand)', async () => {
    await ui.page.evaluate(() => {
      const style = document.createElement('style')
      style.textContent = 'body { outline: 1px solid red }'
      document.head.append(style)
    })
    await ui.page.waitForFunction(() => (window.__csp?.length ?? 0) > 0)
    const found = await ui.page.evaluate(() => window.__csp?.splice(0) ?? [])
    // Once per policy that forbids it: the page's meta tag and the server's header.
    expect(found.length).toBeGreaterThan(0)
    for (const v of found) expect(v).toMatch(/^style-src-elem inline /)
  })
})
