import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { unzipSync } from 'fflate'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ExportDto } from '../../../preload/contract'
import { prepareModelExport, runModelExport, type ModelExportRequest } from '../../../main/engine/export/export-job'
import type { ExportManifest } from '../../../main/engine/export/manifest'
import { partialName, partialOwner } from '../../../main/engine/export/partials'
import { Studio } from '../../../main/engine/studio'
import { makeImages, tmpDir } from '../../helpers/fixtures'
import { trainInProcess } from '../../helpers/training'

// The whole model export as the job runs it: write, self-test each format in a fresh process, card,
// README, export.json, streamed zip, then the names; cancelled, it leaves nothing behind.

const root = tmpDir()
let studio: Studio
let runId = 0

beforeAll(async () => {
  await makeImages(path.join(root, 'src', 'red'), 8, 0, 40, 30)
  await makeImages(path.join(root, 'src', 'blue'), 8, 100, 30, 40)
  studio = Studio.init(path.join(root, 'proj'))
  await studio.import(path.join(root, 'src'))
  runId = await trainInProcess(studio, { epochs: 1, inputSize: 24, batchSize: 8, patience: null, workers: 1 })
}, 120_000)
afterAll(() => studio.close())

const messages: string[] = []
function exportTo(req: Omit<ModelExportRequest, 'runId'>, signal = new AbortController().signal) {
  const full = { runId, ...req }
  const prepared = prepareModelExport(studio, full)
  return runModelExport(studio, full, prepared, { signal, progress: (_d, _t, m) => messages.push(m ?? '') })
}
const read = (dir: string, f: string) => fs.readFileSync(path.join(dir, f), 'utf8')
const leftovers = (parent: string) => fs.readdirSync(parent).filter((n) => n.includes('.partial-'))

describe('a model export job', () => {
  let result: ExportDto
  const dir = path.join(root, 'out', 'all')

  beforeAll(async () => {
    result = await exportTo({ dir, format: 'all', quantize: 'uint8' })
  }, 240_000)

  it('self-tests every format and reports it', () => {
    expect(result.formats.map((f) => f.format).sort()).toEqual(['onnx', 'tfjs', 'tfjs-uint8', 'tm'])
    for (const f of result.formats) {
      expect(f.selfTest, f.format).not.toBeNull()
      expect(f.selfTest!.images, f.format).toBeGreaterThan(0)
      expect(f.bytes, f.format).toBeGreaterThan(0)
    }
    for (const name of ['tfjs', 'onnx']) {
      const t = result.formats.find((f) => f.format === name)!.selfTest!
      expect(t, name).toMatchObject({ status: 'passed', agreement: 1 })
      expect(t.maxDiff!).toBeLessThan(1e-4)
    }
    expect(messages).toContain('writing the model files')
    expect(messages.some((m) => /^self-test onnx: \d+ \/ \d+ images$/.test(m))).toBe(true)
    expect(messages.some((m) => m.startsWith('zipping'))).toBe(true)
  })

  it('writes export.json with every file, its size and SHA-256, and the self-tests', () => {
    const m = JSON.parse(read(dir, 'export.json')) as ExportManifest
    expect(m).toMatchObject({ runId, studioVersion: expect.any(String), createdAt: expect.any(String) })
    const onDisk = fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile())
    expect(m.files.map((f) => f.path).sort()).toEqual(
      onDisk
        .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
        .filter((p) => p !== 'export.json')
        .sort(),
    )
    for (const f of m.files) {
      const data = fs.readFileSync(path.join(dir, f.path))
      expect(f.bytes, f.path).toBe(data.length)
      expect(f.sha256, f.path).toBe(createHash('sha256').update(data).digest('hex'))
    }
    const onnx = m.formats.find((f) => f.format === 'onnx')!
    expect(onnx.files.map((f) => f.path)).toContain('model.onnx')
    expect(onnx.selfTest?.status).toBe('passed')
    expect(m.formats.map((f) => f.selfTest)).toEqual(result.formats.map((f) => f.selfTest))
  })

  it('renders the card with the self-test, a README for each runtime and predict.py', () => {
    const card = read(dir, 'model-card.md')
    expect(card).toBe(result.modelCard)
    expect(card).toContain('## Exported formats and self-test')
    for (const f of ['tfjs', 'tfjs-uint8', 'tm', 'onnx']) expect(card).toMatch(new RegExp(`\\| \`${f}\` \\|`))
    expect(card.indexOf('## Exported formats')).toBeLessThan(card.indexOf('## Known limitations'))
    expect(read(dir, 'model-card.html')).toContain('Exported formats and self-test')
    const readme = read(dir, 'README.md')
    for (const cmd of ['node predict.mjs', 'python predict.py', "tmImage.load('tm/model.json'", '--model tfjs-uint8'])
      expect(readme).toContain(cmd)
    expect(readme).not.toContain('tfjs-float16')
    expect(readme).not.toMatch(/\| `backbone\/` \|/)
    expect(readme).not.toMatch(/\{\{|<!--/)
    expect(read(dir, 'predict.py')).toContain('import onnxruntime')
  })

  it('puts "Where the model looks" in the card, with exactly the overlay files it links', () => {
    const card = read(dir, 'model-card.md')
    expect(card).toContain('## Where the model looks')
    const linked = [...card.matchAll(/\]\((looks\/[^)]+)\)/g)].map((m) => m[1]!)
    expect(linked.length).toBeGreaterThan(0)
    expect(
      fs
        .readdirSync(path.join(dir, 'looks'))
        .map((f) => `looks/${f}`)
        .sort(),
    ).toEqual([...linked].sort())
    for (const f of linked)
      expect(fs.readFileSync(path.join(dir, f)).subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]))
    expect(card.indexOf('## Where the model looks')).toBeLessThan(card.indexOf('## Known limitations'))
    // A seed CNN holds no backbone weights: no license section.
    expect(card).not.toContain('## Backbone license')
  })

  it('writes the zip with the same files under the folder name, and leaves no temporary files', () => {
    const entries = unzipSync(fs.readFileSync(`${dir}.zip`))
    const names = Object.keys(entries).filter((n) => !n.endsWith('/'))
    expect(names.sort()).toEqual(
      [...(JSON.parse(read(dir, 'export.json')) as ExportManifest).files.map((f) => f.path), 'export.json']
        .map((p) => `all/${p}`)
        .sort(),
    )
    expect(Buffer.from(entries['all/model-card.md']!).toString('utf8')).toBe(read(dir, 'model-card.md'))
    expect(leftovers(path.dirname(dir))).toEqual([])
  })
})

describe('cancel and failure', () => {
  it('cancelled during the self-test: no folder, no zip, no temporary files, no parents it created', async () => {
    const parent = path.join(root, 'new-parent')
    const dir = path.join(parent, 'deeper', 'cancelled')
    const controller = new AbortController()
    const full = { runId, dir, format: 'onnx' as const }
    const done = runModelExport(studio, full, prepareModelExport(studio, full), {
      signal: controller.signal,
      progress: (_d, _t, m) => {
        if (m?.startsWith('self-test')) controller.abort()
      },
    })
    await expect(done).rejects.toThrow()
    expect(controller.signal.aborted).toBe(true)
    expect(fs.existsSync(dir)).toBe(false)
    expect(fs.existsSync(`${dir}.zip`)).toBe(false)
    expect(fs.existsSync(parent)).toBe(false)
    expect(leftovers(root)).toEqual([])
  }, 120_000)

  it("removes what a crashed export left beside it, never a live export's", async () => {
    const parent = path.join(root, 'after-a-crash')
    fs.mkdirSync(parent)
    const tag = partialOwner(path.basename(partialName(parent)))!.host
    const dead = spawnSync(process.execPath, ['-e', '']).pid!
    const crashed = path.join(parent, `.model.partial-${tag}-${dead}-${Date.now() - 60_000}`)
    fs.mkdirSync(path.join(crashed, 'backbone'), { recursive: true })
    fs.writeFileSync(path.join(crashed, 'weights.bin'), Buffer.alloc(1024))
    fs.writeFileSync(path.join(parent, `.model.zip.partial-${tag}-${dead}-${Date.now() - 60_000}`), 'PK')
    const live = path.basename(partialName(path.join(parent, 'another')))
    fs.mkdirSync(path.join(parent, live))
    await exportTo({ dir: path.join(parent, 'model'), format: 'tfjs', zip: false })
    expect(fs.readdirSync(parent).sort()).toEqual([live, 'model'].sort())
  }, 120_000)

  it('checks ONNX with onnxruntime-web where told to (a packaged app has only that one) and records it', async () => {
    const dir = path.join(root, 'out', 'web')
    process.env.STUDIO_ONNX_RUNTIME = 'onnxruntime-web'
    try {
      await exportTo({ dir, format: 'onnx', zip: false })
    } finally {
      delete process.env.STUDIO_ONNX_RUNTIME
    }
    const m = JSON.parse(read(dir, 'export.json')) as ExportManifest
    const t = m.formats.find((f) => f.format === 'onnx')!.selfTest!
    expect(t).toMatchObject({ status: 'passed', agreement: 1 })
    expect(t.runtime).toMatch(/^onnxruntime-web \d+\.\d+\.\d+ \(WebAssembly, in Node\)$/)
    expect(read(dir, 'model-card.md')).toContain(`| ${t.runtime} |`)
  }, 120_000)

  it('refuses a destination that is not empty before any work', () => {
    const dir = path.join(root, 'full')
    fs.mkdirSync(dir)
    fs.writeFileSync(path.join(dir, 'keep.txt'), 'mine')
    expect(() => prepareModelExport(studio, { runId, dir })).toThrow(/exists and is not empty/)
    expect(() => prepareModelExport(studio, { runId: 99, dir: path.join(root, 'x') })).toThrow(/run 99 does not exist/)
    expect(fs.readdirSync(dir)).toEqual(['keep.txt'])
  })

  it.runIf(fs.existsSync('/proc/self'))('refuses a folder the file system will not create, at once', () => {
    expect(() => prepareModelExport(studio, { runId, dir: '/proc/forbidden' })).toThrow(
      'cannot create /proc/forbidden (ENOENT); choose a folder where files can be written',
    )
  })

  it("flags a format whose answers differ from Studio's as FAILED in export.json, the card and the README", async () => {
    // Studio's stored probabilities reversed: every format now disagrees with them.
    const preds = studio.store.runs.predictions(runId)
    studio.store.runs.replacePredictions(
      runId,
      preds.map((p) => ({ ...p, probs: Float32Array.from(p.probs).reverse() })),
    )
    const dir = path.join(root, 'out', 'failing')
    const r = await exportTo({ dir, format: 'onnx', zip: false })
    const t = r.formats[0]!.selfTest!
    expect(t.status).toBe('failed')
    expect(t.reason).toMatch(/agreement .* is below 100 %/)
    expect((JSON.parse(read(dir, 'export.json')) as ExportManifest).formats[0]!.selfTest!.status).toBe('failed')
    expect(r.modelCard).toMatch(/\*\*FAILED\*\*: agreement/)
    expect(r.modelCard).toContain('**Self-test FAILED** for `onnx`')
    expect(read(dir, 'README.md')).toMatch(/\*\*FAILED\*\*/)
    expect(fs.existsSync(`${dir}.zip`)).toBe(false)
    studio.store.runs.replacePredictions(runId, preds)
  }, 120_000)
})
