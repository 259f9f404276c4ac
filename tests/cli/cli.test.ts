import fs from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { buildProgram, main } from '../../main/cli/index'
import { studio, studioJson } from '../helpers/cli'
import { makeImages, tmpDir } from '../helpers/fixtures'

/** Runs the CLI in-process, capturing what it writes. */
async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true))
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true))
  try {
    const code = await main(['node', 'studio', ...args])
    return { code, out, err }
  } finally {
    o.mockRestore()
    e.mockRestore()
  }
}

function commandPaths(): string[][] {
  const paths: string[][] = []
  const walk = (cmd: ReturnType<typeof buildProgram>, prefix: string[]) => {
    for (const c of cmd.commands) {
      paths.push([...prefix, c.name()])
      walk(c as ReturnType<typeof buildProgram>, [...prefix, c.name()])
    }
  }
  walk(buildProgram(), [])
  return paths
}

describe('studio CLI', () => {
  const root = tmpDir()
  const proj = path.join(root, 'proj')
  const src = path.join(root, 'src')

  beforeAll(async () => {
    await makeImages(path.join(src, 'red'), 3, 0)
    await makeImages(path.join(src, 'blue'), 2, 50)
    await makeImages(src, 1, 90) // one unlabeled at the top
  })

  it('every command has --help that exits 0', async () => {
    const paths = commandPaths()
    expect(paths.map((p) => p.join(' '))).toEqual(
      expect.arrayContaining(['init', 'import', 'stats', 'label set', 'label undo', 'classes merge', 'classes delete']),
    )
    for (const p of paths) {
      const r = await run([...p, '--help'])
      expect(r.code, p.join(' ')).toBe(0)
      expect(r.out, p.join(' ')).toMatch(new RegExp(`Usage: studio ${p.join(' ')}`))
    }
  })

  it('init, import and stats --json over real processes', () => {
    expect(studioJson(['init', proj])).toEqual({ project: proj })
    const imp = studioJson<Record<string, unknown>>(['import', src, '--project', proj])
    expect(imp).toMatchObject({ status: 'done', seen: 6, imported: 6, duplicates: 0, errors: 0, classes: { red: 3, blue: 2 } })
    expect(studioJson(['stats'], { cwd: proj })).toEqual({ images: 6, classes: { red: 3, blue: 2 }, unlabeled: 1, errors: 0, duplicates: 0 })
    const again = studio(['import', src, '--project', proj])
    expect(again.code).toBe(0)
    expect(again.stdout).toMatch(/Imported: 0 new image\(s\)/)
    expect(again.stdout).toMatch(/duplicates 6/)
  })

  it('labels, undoes, lists and manages classes', async () => {
    const p = ['--project', proj]
    const page = JSON.parse((await run(['images', '--unlabeled', ...p, '--json'])).out) as { images: { id: number }[] }
    expect(page.images).toHaveLength(1)
    const id = String(page.images[0]!.id)
    expect(JSON.parse((await run(['label', 'set', 'red', id, ...p, '--json'])).out)).toMatchObject({ changed: 1 })
    expect((await run(['label', 'undo', ...p])).out).toMatch(/Undid set of 1 image/)
    expect((await run(['label', 'redo', ...p])).out).toMatch(/Redid set of 1 image/)
    expect(JSON.parse((await run(['label', 'history', id, ...p, '--json'])).out).history.map((h: { kind: string }) => h.kind)).toEqual([
      'set', 'undo', 'redo',
    ])
    const del = await run(['classes', 'delete', 'blue', ...p])
    expect(del.code).toBe(1)
    expect(del.err).toMatch(/^studio: class "blue" has 2 labeled image\(s\)/)
    expect((await run(['classes', 'delete', 'blue', '--merge-into', 'red', ...p])).code).toBe(0)
    expect(JSON.parse((await run(['classes', ...p, '--json'])).out)).toMatchObject({ classes: [{ name: 'red', count: 6 }], unlabeled: 0 })
    expect((await run(['classes', 'rename', 'red', 'crimson', ...p])).code).toBe(0)
    expect(JSON.parse((await run(['stats', ...p, '--json'])).out).classes).toEqual({ crimson: 6 })
  })

  it('fails with a one-line reason and a non-zero exit code', async () => {
    const plain = path.join(root, 'plain')
    fs.mkdirSync(plain)
    const notProject = await run(['stats', '--project', plain])
    expect(notProject.code).toBe(1)
    expect(notProject.err).toMatch(/^studio: .*plain is not a Studio project.*\n$/)
    expect(fs.readdirSync(plain)).toEqual([])
    const json = await run(['stats', '--project', plain, '--json'])
    expect(JSON.parse(json.out)).toMatchObject({ error: { name: 'NotAProjectError' } })
    const missing = await run(['import', path.join(root, 'nope'), '--project', proj])
    expect(missing.code).toBe(1)
    expect(missing.err).toMatch(/nope does not exist/)
    expect((await run(['label', 'set', 'nosuch', '1', '--project', proj])).err).toMatch(/class "nosuch" does not exist/)
    expect((await run(['frobnicate'])).code).toBe(2)
    expect((await run(['images', '--sort', 'colour', '--project', proj])).err).toMatch(/--sort must be/)
  })
})
