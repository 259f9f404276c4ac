import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { freshBuild, INPUTS_FILE } from '../../bin/fresh-build.mjs'
import { buildCli } from '../../scripts/build-cli.mjs'
import { tmpDir } from '../helpers/fixtures'

/** A tree with two "sources" and a build of them that recorded their modification times. */
function tree(): { root: string; dir: string } {
  const root = tmpDir()
  const dir = path.join(root, 'out', 'cli')
  fs.mkdirSync(path.join(root, 'main'), { recursive: true })
  fs.mkdirSync(dir, { recursive: true })
  for (const f of ['main/a.ts', 'main/b.ts']) fs.writeFileSync(path.join(root, f), `// ${f}\n`)
  fs.writeFileSync(path.join(dir, 'studio.js'), '')
  const inputs = ['main/a.ts', 'main/b.ts'].map((f) => [f, fs.statSync(path.join(root, f)).mtimeMs])
  fs.writeFileSync(path.join(dir, INPUTS_FILE), JSON.stringify({ inputs }))
  return { root, dir }
}

// bin/studio.mjs runs the command's build (out/cli) only while it was made from the sources as they are.
describe('whether the command runs its build', () => {
  it('yes while every recorded source is unchanged', () => {
    const { root, dir } = tree()
    expect(freshBuild(root, dir)).toBe(path.join(dir, 'studio.js'))
  })

  it('no once a source changes, even to an older time, or goes', () => {
    let { root, dir } = tree()
    fs.utimesSync(path.join(root, 'main/b.ts'), new Date(), new Date(Date.now() + 5_000))
    expect(freshBuild(root, dir)).toBeNull()
    ;({ root, dir } = tree())
    fs.utimesSync(path.join(root, 'main/a.ts'), new Date(0), new Date(0))
    expect(freshBuild(root, dir)).toBeNull()
    ;({ root, dir } = tree())
    fs.rmSync(path.join(root, 'main/a.ts'))
    expect(freshBuild(root, dir)).toBeNull()
  })

  it('no without a whole build: no record, a damaged or empty one, no entry', () => {
    let { root, dir } = tree()
    fs.rmSync(path.join(dir, INPUTS_FILE))
    expect(freshBuild(root, dir)).toBeNull()
    ;({ root, dir } = tree())
    fs.writeFileSync(path.join(dir, INPUTS_FILE), '{"inputs": [')
    expect(freshBuild(root, dir)).toBeNull()
    fs.writeFileSync(path.join(dir, INPUTS_FILE), '{"inputs": []}')
    expect(freshBuild(root, dir)).toBeNull()
    ;({ root, dir } = tree())
    fs.rmSync(path.join(dir, 'studio.js'))
    expect(freshBuild(root, dir)).toBeNull()
  })

  it('the build the test run made is the sources as they are: building again leaves it alone', async () => {
    const root = path.resolve(import.meta.dirname, '../..')
    expect(freshBuild(root)).toBe(path.join(root, 'out/cli/studio.js'))
    expect(await buildCli()).toMatchObject({ built: false })
  })
})
