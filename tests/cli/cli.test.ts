import fs from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import type { RunDto } from '../../preload/contract'
import { buildProgram, main } from '../../main/cli/index'
import { createDatasetVersion } from '../../main/engine/datasets/versions'
import { StudioService } from '../../main/engine/service'
import { Studio } from '../../main/engine/studio'
import { studio, studioJson, studioSpawn } from '../helpers/cli'
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

/** The `--json` keys README's table documents for a command: top-level, and of each item of a list. */
function documentedKeys(command: string): { top: string[]; items: Record<string, string[]> } {
  const readme = fs.readFileSync(path.resolve(import.meta.dirname, '../../README.md'), 'utf8')
  const section = readme.slice(readme.indexOf('### `--json` output'))
  const row = section.split('\n').find((l) => l.startsWith(`| \`${command}\` |`))
  if (!row) throw new Error(`README documents no --json keys for ${command}`)
  const [top = '', ...lists] = row.split('|')[2]!.split(';')
  const words = (s: string) => (/`([^`]+)`/.exec(s)?.[1] ?? '').split(' ')
  const items: Record<string, string[]> = {}
  for (const l of lists) {
    const m = /`(\w+)\[\]`: (`[^`]+`)/.exec(l)
    if (m) items[m[1]!] = words(m[2]!)
  }
  return { top: words(top), items }
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

  it('--version prints the version in package.json', async () => {
    const pkg = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../../package.json'), 'utf8')) as {
      version: string
    }
    const r = await run(['--version'])
    expect(r.code).toBe(0)
    expect(r.out).toBe(`${pkg.version}\n`)
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
    expect(imp).toMatchObject({
      status: 'done',
      seen: 6,
      imported: 6,
      duplicates: 0,
      errors: 0,
      classes: { red: 3, blue: 2 },
    })
    expect(studioJson(['stats'], { cwd: proj })).toEqual({
      images: 6,
      classes: { red: 3, blue: 2 },
      unlabeled: 1,
      errors: 0,
      duplicates: 0,
    })
    const again = studio(['import', src, '--project', proj])
    expect(again.code).toBe(0)
    expect(again.stdout).toMatch(/Imported: 0 new images from/)
    expect(again.stdout).toMatch(/duplicates 6/)
  })

  it('prints the keys README documents for --json, and runs exactly as the service maps them', async () => {
    const p = ['--project', proj, '--json']
    const studioOpen = Studio.open(proj)
    let expected: RunDto[]
    try {
      const version = createDatasetVersion(studioOpen.store, { fractions: { train: 0.5, val: 0.5, test: 0 } })
      const config = JSON.stringify({ epochs: 3 })
      const id = studioOpen.store.runs.create({
        datasetVersion: version,
        preset: 'seed-cnn',
        config,
        createdAt: '2024-01-01T00:00:00.000Z',
        pid: process.pid,
      })
      studioOpen.store.runs.finish(id, 'failed', '2024-01-01T00:01:30.000Z', 'stopped by the test')
      expected = await new StudioService(studioOpen, () => {}).runs()
    } finally {
      studioOpen.close()
    }
    const runs = JSON.parse((await run(['runs', ...p])).out) as { runs: RunDto[] }
    expect(runs).toEqual({ runs: expected })
    expect(runs.runs[0]).toMatchObject({
      status: 'failed',
      seconds: 90,
      config: { epochs: 3 },
      error: 'stopped by the test',
    })

    // One file that cannot be imported, so `errors` has an item whose keys can be compared.
    fs.mkdirSync(path.join(root, 'broken'))
    fs.writeFileSync(path.join(root, 'broken', 'not-an-image.jpg'), 'plain text')
    expect((await run(['import', path.join(root, 'broken'), ...p])).code).toBe(0)
    const outputs: Record<string, Record<string, unknown>> = {
      stats: JSON.parse((await run(['stats', ...p])).out),
      errors: JSON.parse((await run(['errors', ...p])).out),
      images: JSON.parse((await run(['images', ...p])).out),
      classes: JSON.parse((await run(['classes', ...p])).out),
      'label set': JSON.parse((await run(['label', 'set', 'red', 'red/img-000.jpg', ...p])).out),
      runs,
    }
    for (const [command, out] of Object.entries(outputs)) {
      const doc = documentedKeys(command)
      expect(Object.keys(out).sort(), command).toEqual([...doc.top].sort())
      for (const [list, keys] of Object.entries(doc.items)) {
        const first = (out[list] as Record<string, unknown>[])[0]!
        expect(Object.keys(first).sort(), `${command} ${list}[]`).toEqual([...keys].sort())
      }
    }
  })

  it('labels, undoes, lists and manages classes', async () => {
    const p = ['--project', proj]
    const page = JSON.parse((await run(['images', '--unlabeled', ...p, '--json'])).out) as { images: { id: number }[] }
    expect(page.images).toHaveLength(1)
    const id = String(page.images[0]!.id)
    expect(JSON.parse((await run(['label', 'set', 'red', id, ...p, '--json'])).out)).toMatchObject({ changed: 1 })
    expect((await run(['label', 'undo', ...p])).out).toMatch(/Undid set of 1 image/)
    expect((await run(['label', 'redo', ...p])).out).toMatch(/Redid set of 1 image/)
    expect(
      JSON.parse((await run(['label', 'history', id, ...p, '--json'])).out).history.map(
        (h: { kind: string }) => h.kind,
      ),
    ).toEqual(['set', 'undo', 'redo'])
    const del = await run(['classes', 'delete', 'blue', ...p])
    expect(del.code).toBe(1)
    expect(del.err).toMatch(/^studio: class "blue" has 2 labeled images: choose/)
    expect((await run(['classes', 'delete', 'blue', '--merge-into', 'red', ...p])).code).toBe(0)
    expect(JSON.parse((await run(['classes', ...p, '--json'])).out)).toMatchObject({
      classes: [{ name: 'red', count: 6 }],
      unlabeled: 0,
    })
    expect((await run(['classes', 'rename', 'red', 'crimson', ...p])).code).toBe(0)
    expect(JSON.parse((await run(['stats', ...p, '--json'])).out).classes).toEqual({ crimson: 6 })
  })

  it('ends quietly when the reader of its output has gone (studio errors | head -1)', async () => {
    const child = studioSpawn(['errors', '--project', proj])
    child.stdout!.destroy() // the reader is gone before the command writes anything
    let stderr = ''
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
    const code = await new Promise((resolve) => child.on('exit', resolve))
    expect(stderr).toBe('')
    expect(code).toBe(0)
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
