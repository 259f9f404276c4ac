import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

// What an export needs at run time must ship in the packaged app (electron-builder.yml): the
// resources every export copies, and the ONNX runtime its self-test uses there.

const repo = path.resolve(import.meta.dirname, '../../..')
const builder = fs.readFileSync(path.join(repo, 'electron-builder.yml'), 'utf8')
const pkg = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>
  devDependencies: Record<string, string>
}

/** The `- pattern` lines of a top-level YAML list (`files:`), quotes removed. */
function listOf(key: string): string[] {
  const block = builder.slice(builder.indexOf(`\n${key}:`) + 1).split('\n')
  const items: string[] = []
  for (const line of block.slice(1)) {
    if (/^\S/.test(line)) break
    const m = /^\s+- '?([^']+?)'?$/.exec(line)
    if (m) items.push(m[1]!)
  }
  return items
}

const matches = (file: string, glob: string) => path.matchesGlob(file, glob)

describe('the packaged app', () => {
  it('ships every resources/ file the export code copies (extraResources)', () => {
    const filter = listOf('extraResources').filter((p) => !p.startsWith('from:'))
    const dir = path.join(repo, 'main/engine/export')
    const used = new Set<string>()
    for (const name of fs.readdirSync(dir, { recursive: true }) as string[]) {
      if (!name.endsWith('.ts')) continue
      for (const m of fs.readFileSync(path.join(dir, name), 'utf8').matchAll(/resourcePath\('([^']+)'\)/g))
        used.add(m[1]!)
    }
    used.add('predict.mjs') // copied by bundle.ts through resourcesDir()
    expect([...used].sort()).toEqual(expect.arrayContaining(['export-README.md', 'predict.py']))
    for (const file of used) {
      expect(fs.existsSync(path.join(repo, 'resources', file)), file).toBe(true)
      expect(
        filter.some((g) => matches(file, g)),
        `${file} is not in extraResources`,
      ).toBe(true)
    }
  })

  it('has onnxruntime-web as a dependency, with the files it loads in Node kept', () => {
    expect(pkg.dependencies['onnxruntime-web']).toBeTruthy()
    const excluded = listOf('files')
      .filter((p) => p.startsWith('!'))
      .map((p) => p.slice(1))
    const web = path.join(repo, 'node_modules', 'onnxruntime-web')
    const entry = (
      JSON.parse(fs.readFileSync(path.join(web, 'package.json'), 'utf8')) as {
        exports: { '.': { node: { import: string } } }
      }
    ).exports['.'].node.import
    // The Node build and the one WebAssembly module it imports (by name, inside the file).
    const needed = [entry.replace(/^\.\//, ''), 'dist/ort-wasm-simd-threaded.mjs', 'dist/ort-wasm-simd-threaded.wasm']
    expect(fs.readFileSync(path.join(web, needed[0]!), 'utf8')).toContain('ort-wasm-simd-threaded.mjs')
    for (const rel of needed) {
      expect(fs.existsSync(path.join(web, rel)), rel).toBe(true)
      const shipped = `node_modules/onnxruntime-web/${rel}`
      expect(
        excluded.filter((g) => matches(shipped, g)),
        `${shipped} is excluded`,
      ).toEqual([])
    }
    // The browser-only variants are left out (tens of MB each).
    expect(excluded.some((g) => matches('node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.jsep.wasm', g))).toBe(
      true,
    )
  })

  // Feature extraction runs on onnxruntime-node's native kernels (training/extract-native.ts): the
  // package is a dependency, its library is unpacked from the asar (the OS loads it from a real
  // file), and each platform's packages keep their own library only (the package carries all three).
  it('has onnxruntime-node as a dependency, its library unpacked and other platforms\u2019 left out', () => {
    expect(pkg.dependencies['onnxruntime-node']).toBeTruthy()
    expect(pkg.devDependencies['onnxruntime-node']).toBeUndefined()
    const lib = 'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1'
    expect(listOf('asarUnpack').some((g) => matches(lib, g))).toBe(true)
    const platformFiles = (key: string) => {
      const block = builder.slice(builder.indexOf(`\n${key}:`) + 1)
      const m = /\n {2}files:\n((?: {4}- .+\n)+)/.exec(block.slice(0, block.indexOf('\n', block.indexOf('target:'))))
      return (m?.[1] ?? '')
        .split('\n')
        .map((l) => /- '?!([^']+?)'?$/.exec(l.trim())?.[1])
        .filter((g): g is string => Boolean(g))
    }
    const binary = (os: string) => `node_modules/onnxruntime-node/bin/napi-v6/${os}/x64/onnxruntime_binding.node`
    for (const [key, own, others] of [
      ['linux', 'linux', ['darwin', 'win32']],
      ['mac', 'darwin', ['linux', 'win32']],
      ['win', 'win32', ['darwin', 'linux']],
    ] as const) {
      const excluded = platformFiles(key)
      expect(excluded.length, `${key}: files`).toBeGreaterThan(0)
      expect(
        excluded.some((g) => matches(binary(own), g)),
        `${key} keeps its own library`,
      ).toBe(false)
      for (const os of others)
        expect(
          excluded.some((g) => matches(binary(os), g)),
          `${key} leaves out ${os}`,
        ).toBe(true)
    }
  })
})
