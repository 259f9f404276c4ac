import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { Studio } from '../../main/engine/studio'
import { STUDIO_BIN } from '../helpers/cli'
import { makeImages, tmpDir } from '../helpers/fixtures'

const TRACE = path.resolve(import.meta.dirname, '../helpers/trace-loads.mjs')

/**
 * Runs `studio …` in a child process and returns its exit code and the modules it loaded: from
 * source (STUDIO_CLI=source; the module names below are the sources') or as bin/studio.mjs chooses
 * (the command's build, out/cli, which the test run's global setup made).
 */
function loadsOf(
  args: string[],
  trace: string,
  from: 'source' | 'chosen' = 'source',
): { code: number; stderr: string; modules: string[] } {
  fs.rmSync(trace, { force: true })
  const r = spawnSync(process.execPath, ['--import', TRACE, STUDIO_BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, STUDIO_TRACE_LOADS: trace, STUDIO_CLI: from === 'source' ? 'source' : '' },
    timeout: 60_000,
  })
  const modules = fs.existsSync(trace) ? fs.readFileSync(trace, 'utf8').split('\n').filter(Boolean) : []
  return { code: r.status ?? -1, stderr: r.stderr, modules }
}

/** What the light commands must not load: TF.js, ONNX Runtime, the training, export and explain chains. */
function heavy(modules: string[]): string[] {
  return modules.filter((m) =>
    /\/node_modules\/(@tensorflow\/|onnxruntime)|\/main\/engine\/(training\/(runner|trainer|backend|presets)|export\/(formats|bundle|export-job)|explain\/)/.test(
      m,
    ),
  )
}

// The CLI loads each command's engine parts when the command runs (main/cli/index.ts): --help and
// label edits start in well under a second instead of loading TF.js first.
describe('the studio CLI loads heavy modules only for the commands that use them', () => {
  const root = tmpDir()
  const proj = path.join(root, 'proj')
  const trace = path.join(root, 'loads.txt')

  beforeAll(async () => {
    await makeImages(path.join(root, 'src', 'cats'), 1, 0)
    await makeImages(path.join(root, 'src', 'dogs'), 1, 10)
    const s = Studio.init(proj)
    try {
      await s.import(path.join(root, 'src'))
    } finally {
      s.close()
    }
  })

  it('--help lists every command without loading TF.js', () => {
    const r = loadsOf(['--help'], trace)
    expect(r.code, r.stderr).toBe(0)
    // The trace saw the CLI itself, so an empty list below means nothing heavy loaded.
    expect(r.modules.some((m) => m.endsWith('/main/cli/index.ts'))).toBe(true)
    expect(heavy(r.modules)).toEqual([])
  })

  it('label set opens the project and labels without loading TF.js', () => {
    const r = loadsOf(['label', 'set', 'dogs', '1', '2', '--project', proj], trace)
    expect(r.code, r.stderr).toBe(0)
    expect(r.modules.some((m) => m.endsWith('/main/engine/studio.ts'))).toBe(true)
    expect(heavy(r.modules)).toEqual([])
    // The importer and thumbnails (sharp) load when an import or a thumbnail needs them; the request
    // schemas (zod) when a request is checked.
    expect(r.modules.filter((m) => /\/node_modules\/(sharp|zod)\//.test(m))).toEqual([])
    const s = Studio.open(proj)
    try {
      expect(s.stats().classes).toEqual({ cats: 0, dogs: 2 })
    } finally {
      s.close()
    }
  })

  // The presets describe train's options and check its flags; their models, the pixel pipeline and
  // the backbones load only when a run starts, so help and a refused flag answer without TF.js.
  const tfjs = (modules: string[]) => modules.filter((m) => /\/node_modules\/(@tensorflow\/|onnxruntime)/.test(m))

  it('train --help loads the presets that describe its options, not TF.js', () => {
    const r = loadsOf(['train', '--help'], trace)
    expect(r.code, r.stderr).toBe(0)
    expect(r.modules.some((m) => m.endsWith('/main/engine/training/presets/registry.ts'))).toBe(true)
    expect(tfjs(r.modules)).toEqual([])
  })

  it('train refuses a bad flag before loading TF.js', () => {
    const r = loadsOf(['train', '--project', proj, '--label-smoothing', '2'], trace)
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/labelSmoothing must be a number from 0 to below 1 \(got 2\)/)
    expect(r.modules.some((m) => m.endsWith('/main/engine/training/config.ts'))).toBe(true)
    expect(tfjs(r.modules)).toEqual([])
  })

  // The build keeps the sources' lazy imports as chunks of their own.
  it('the built command (out/cli) runs where it matches the sources, and loads TF.js as lazily', () => {
    const help = loadsOf(['--help'], trace, 'chosen')
    expect(help.code, help.stderr).toBe(0)
    expect(help.modules.some((m) => m.endsWith('/out/cli/studio.js'))).toBe(true)
    expect(help.modules.some((m) => m.includes('/main/cli/'))).toBe(false)
    expect(tfjs(help.modules)).toEqual([])
    const refused = loadsOf(['train', '--project', proj, '--label-smoothing', '2'], trace, 'chosen')
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/labelSmoothing must be a number from 0 to below 1 \(got 2\)/)
    expect(tfjs(refused.modules)).toEqual([])
  })
})
