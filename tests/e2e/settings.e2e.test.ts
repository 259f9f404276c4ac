/// <reference lib="dom" />
import fs from 'node:fs'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { thumbFile } from '../../main/engine/media/formats'
import { Studio } from '../../main/engine/studio'
import { makeImages, tmpDir } from '../helpers/fixtures'
import { axeProblems, haveChromium, openStudioPage, type StudioPage } from './harness'

/** The Settings view (privacy settings, Check the project) and the Health view's GPS line, in Chromium. */
describe.skipIf(!haveChromium)('Settings and the GPS count (Chromium against browser mode)', () => {
  const root = tmpDir()
  const dir = path.join(root, 'proj')
  let ui: StudioPage

  beforeAll(async () => {
    const src = path.join(root, 'photos')
    await makeImages(path.join(src, 'plain'), 3)
    for (const i of [0, 1]) {
      fs.mkdirSync(path.join(src, 'trips'), { recursive: true })
      await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 90 * i, g: 120, b: 30 } } })
        .withExif({ IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 0/1' } })
        .jpeg()
        .toFile(path.join(src, 'trips', `t${i}.jpg`))
    }
    const s = Studio.init(dir)
    await s.import(src)
    s.close()
    ui = await openStudioPage(dir, path.join(root, 'recent.json'))
  }, 120_000)
  afterAll(() => ui?.close())

  it('Health says how many originals carry GPS', async () => {
    const p = ui.page
    await p.goto(ui.server.url + '#/health')
    await p.waitForSelector('[data-testid="health-gps"]')
    expect(await p.textContent('[data-testid="health-gps"]')).toContain('2 stored originals carry a GPS position')
    await ui.shot('health-gps')
  })

  it('changes the privacy settings, offering to forget stored paths, and checks the project', async () => {
    const p = ui.page
    await p.click('nav >> text=Settings')
    await p.waitForSelector('[data-testid="settings-gps"]')
    expect(await p.isChecked('[data-testid="strip-keep"]')).toBe(true)
    expect(await p.isVisible('[data-testid="forget-stored"]')).toBe(false)
    await p.check('[data-testid="strip-gps"]')
    await p.check('[data-testid="paths-forget"]')
    await p.waitForSelector('[data-testid="forget-stored"]')
    expect(await axeProblems(p)).toEqual([])
    await ui.shot('settings-before-save')
    await p.click('[data-testid="settings-save"]')
    await p.waitForSelector('[data-testid="settings-message"]')
    expect(await p.textContent('[data-testid="settings-message"]')).toContain(
      'Forgot the stored path of 1 earlier import',
    )
    expect(await p.isVisible('[data-testid="forget-stored"]')).toBe(false)

    const s = Studio.open(dir)
    const { thumb, original } = (() => {
      try {
        expect(s.store.privacy.setting('stripMetadata')).toBe('gps')
        expect(s.store.imports.batches()[0]!.source).toMatch(/^…\/photos \[/)
        const imgs = s.store.images.page({ limit: 10 }).items
        return { thumb: thumbFile(s.project.paths.thumbs, imgs[0]!.hash), original: s.originalPath(imgs[1]!) }
      } finally {
        s.close()
      }
    })()
    fs.rmSync(thumb)
    fs.appendFileSync(original, 'damage')
    await p.click('[data-testid="check-project"]')
    await p.waitForSelector('[data-testid="check-result"]')
    const text = (await p.textContent('[data-testid="check-result"]')) ?? ''
    expect(text).toContain('1 thumbnail made again')
    expect(text).toContain('1 problem could not be repaired')
    expect(await p.textContent('[data-testid="check-problem"]')).toContain(original)
    expect(fs.existsSync(thumb)).toBe(true)
    expect(await axeProblems(p)).toEqual([])
    await ui.shot('settings-checked')
  })
})
