/// <reference lib="dom" />
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeShapes } from '../../main/cli/demo-shapes'
import { Studio } from '../../main/engine/studio'
import { tmpDir } from '../helpers/fixtures'
import { axeProblems, haveChromium, openStudioPage, type StudioPage } from './harness'

/** The Train form's backbone: the bundled best by default, with size, features, speed; refused folders with why. */
describe.skipIf(!haveChromium)('Train: the backbone choice (Chromium against browser mode)', () => {
  const root = tmpDir()
  const models = path.join(root, 'models')
  let ui: StudioPage
  const saved = process.env.STUDIO_MODELS_DIR

  beforeAll(async () => {
    // The server runs in this process: its models folder is this one, with one malformed backbone in it.
    fs.mkdirSync(path.join(models, 'broken'), { recursive: true })
    fs.writeFileSync(path.join(models, 'broken', 'backbone.json'), '{"name": "broken"}')
    process.env.STUDIO_MODELS_DIR = models
    await writeShapes(path.join(root, 'shapes'), 4)
    const studio = Studio.init(path.join(root, 'proj'))
    await studio.import(path.join(root, 'shapes'))
    studio.close()
    ui = await openStudioPage(path.join(root, 'proj'), path.join(root, 'recent.json'))
  }, 180_000)
  afterAll(async () => {
    await ui?.close()
    if (saved === undefined) delete process.env.STUDIO_MODELS_DIR
    else process.env.STUDIO_MODELS_DIR = saved
  })

  it('shows the default (MobileNet v1 0.75) with size, feature size and speed, the other choices and the refused folder', async () => {
    const p = ui.page
    await p.goto(ui.server.url)
    await p.click('nav >> text=Train')
    await p.selectOption('.form select >> nth=0', 'transfer')
    const field = '[data-testid="backbone-field"]'
    await p.waitForSelector(field)
    const select = `${field} select`
    expect(await p.inputValue(select)).toBe('')
    const options = await p.$$eval(`${select} option`, (os) =>
      os.map((o) => `${(o as HTMLOptionElement).disabled ? '(disabled) ' : ''}${o.textContent?.trim()}`),
    )
    expect(options).toEqual([
      'Best available: MobileNet v1 0.75',
      'MobileNet v1 0.75 (mobilenet_v1_0.75_224)',
      'MobileNet v1 0.25 (mobilenet_v1_0.25_224)',
      '(disabled) broken: cannot be used',
    ])
    expect(await p.textContent('[data-testid="backbone-facts"]')).toMatch(
      /^7\.4 MB · 768 features · ≈ \d+ images\/sships with Studio · Apache-2\.0$/,
    )
    expect(await p.textContent('[data-testid="backbone-refused"]')).toMatch(/^broken: backbone\.json is malformed: /)
    await ui.shot('backbones-01-train-default')
    expect(await axeProblems(p)).toEqual([])
    await p.selectOption(select, 'mobilenet_v1_0.25_224')
    expect(await p.textContent('[data-testid="backbone-facts"]')).toMatch(/^0\.9 MB · 256 features · ≈ \d+ images\/s/)
    await ui.shot('backbones-02-train-small')
  })
})
