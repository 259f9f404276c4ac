import fs from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { writeShapes } from '../../../main/cli/demo-shapes'
import { setAttribute } from '../../../main/engine/attributes/attributes'
import { cardHtml, exportRun } from '../../../main/engine/export/bundle'
import { Studio } from '../../../main/engine/studio'
import { tmpDir } from '../../helpers/fixtures'
import { trainInProcess } from '../../helpers/training'

const root = tmpDir()
let s: Studio
let runId: number

beforeAll(async () => {
  await writeShapes(path.join(root, 'shapes'), 12)
  s = Studio.init(path.join(root, 'proj'))
  await s.import(path.join(root, 'shapes'))
  runId = await trainInProcess(s, { epochs: 1, inputSize: 24 })
}, 120_000)

const card = (dir: string) =>
  fs.readFileSync(path.join(exportRun(s, runId, dir, { zip: false }).dir, 'model-card.md'), 'utf8')

describe('the model card on subgroups', () => {
  it('without recorded attributes: built-in slices and the disclaimer that who/where was not checked', () => {
    const md = card(path.join(root, 'out-none'))
    expect(md).toContain('## Performance by subgroup')
    expect(md).toContain('built-in attributes only')
    expect(md).toMatch(/### By (size|brightness)/)
    expect(md).toContain('Performance has not been checked per subgroup of who or where')
  })

  it("with the user's attributes: a table per attribute with every value, and the largest gap named", () => {
    const ids = s.store.images.page({ limit: 1000 }).items.map((i) => i.id)
    setAttribute(
      s.store,
      ids.filter((_, i) => i % 2 === 0),
      'site',
      'north',
    )
    setAttribute(
      s.store,
      ids.filter((_, i) => i % 2 === 1),
      'site',
      'south',
    )
    const md = card(path.join(root, 'out-site'))
    expect(md).toContain('### By site')
    expect(md).toMatch(/\| north \*? ?\|/)
    expect(md).toMatch(/\| south \*? ?\|/)
    expect(md).not.toContain('Performance has not been checked per subgroup of who or where')
    expect(md).toMatch(/largest subgroup gap|No recorded subgroup does measurably worse/)
  })

  it('is also written as one self-contained HTML page that shows names as text', () => {
    const dir = exportRun(s, runId, path.join(root, 'out-html'), { zip: false }).dir
    const html = fs.readFileSync(path.join(dir, 'model-card.html'), 'utf8')
    expect(html).toMatch(/^<!doctype html>/)
    expect(html).toContain('<table>')
    expect(html).not.toMatch(/<script|<link|src=/)
    const page = cardHtml('# Card\n\nclass `x<img src=x onerror=alert(1)>` and <b>bold</b>', 'T')
    expect(page).not.toContain('<img')
    expect(page).not.toContain('<b>')
    expect(page).toContain('&lt;b&gt;bold&lt;/b&gt;')
  })
})
