import fs from 'node:fs'
import path from 'node:path'
import { zipSync } from 'fflate'
import { dependencies as studioDependencies } from '../../../package.json'
import { ConflictError, NotFoundError } from '../errors'
import { resourcePath } from '../resources'
import type { Studio } from '../studio'
import { readPreprocessing, runDir, runPaths } from '../runs'
import { marked } from 'marked'
import { cardInputOf } from './card-input'
import { modelCard } from './model-card'
import { addModelFormats, type ExportedFormat, type ExportOptions } from './formats'
import type { ExportFiles } from './tfjs-files'

export type { ExportedFormat } from './formats'

export interface ExportResult {
  dir: string
  zip: string | null
  files: string[]
  /** The model formats written, each with its runtime and files. */
  formats: ExportedFormat[]
}

/**
 * Writes a finished run's model as a self-contained folder (and a zip of it): the model in the formats
 * asked for (formats.ts: TF.js layers model with predict.mjs and a package.json for it, ONNX, Teachable
 * Machine, quantized TF.js), labels.json, preprocessing.json and the model card.
 */
export function exportRun(
  studio: Studio,
  runId: number,
  dest: string,
  opts: { zip?: boolean } & ExportOptions = {},
): ExportResult {
  const run = studio.store.runs.get(runId)
  if (!run) throw new NotFoundError(`run ${runId} does not exist`)
  if (run.status !== 'done' || !run.summary)
    throw new ConflictError(`run ${runId} is ${run.status}; only a finished run can be exported`)
  const src = runDir(studio.root, runId)
  const modelDir = path.join(src, 'model')
  if (!fs.existsSync(path.join(modelDir, 'model.json')))
    throw new NotFoundError(`run ${runId} has no saved model (${modelDir})`)
  const dir = path.resolve(dest)
  if (fs.existsSync(dir) && fs.readdirSync(dir).length)
    throw new ConflictError(`${dir} exists and is not empty; choose a new folder`)
  const version = studio.store.datasets.version(run.datasetVersion)!
  const labels = version.classes.map((c) => c.name)
  const files: ExportFiles = {
    'model.json': fs.readFileSync(path.join(modelDir, 'model.json')),
    'weights.bin': fs.readFileSync(path.join(modelDir, 'weights.bin')),
    'labels.json': JSON.stringify(labels, null, 2),
    'preprocessing.json': fs.readFileSync(path.join(src, 'preprocessing.json')),
    // The export job renders the card again from the same input once the self-test has results.
    'model-card.md': modelCard(cardInputOf(studio, runId)),
    // The same file Studio type-checks (resources/predict.mjs), copied byte for byte.
    'predict.mjs': fs.readFileSync(resourcePath('predict.mjs')),
    'package.json': exportPackageJson(runId),
  }
  // A graph-model backbone travels with the head (see preprocessing.json "backbone").
  const backboneDir = path.join(src, 'backbone')
  if (fs.existsSync(backboneDir)) {
    for (const f of fs.readdirSync(backboneDir)) files[`backbone/${f}`] = fs.readFileSync(path.join(backboneDir, f))
  }
  files['model-card.html'] = cardHtml(String(files['model-card.md']), `Model card: run ${runId}`)
  const pre = readPreprocessing(runPaths(studio.root, runId))
  const formats = addModelFormats(files, { runId, preset: run.preset, labels, modelDir, pre }, opts)
  fs.mkdirSync(dir, { recursive: true })
  for (const [name, data] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true })
    fs.writeFileSync(path.join(dir, name), data)
  }
  let zip: string | null = null
  if (opts.zip ?? true) {
    zip = `${dir}.zip`
    const entries = Object.fromEntries(
      Object.entries(files).map(([n, d]) => [
        `${path.basename(dir)}/${n}`,
        typeof d === 'string' ? new TextEncoder().encode(d) : new Uint8Array(d),
      ]),
    )
    fs.writeFileSync(zip, zipSync(entries, { level: 6 }))
  }
  return { dir, zip, files: Object.keys(files), formats }
}

/**
 * The export's own package.json: predict.mjs needs @tensorflow/tfjs and sharp, at the versions Studio
 * itself depends on (read from Studio's package.json, so an upgrade there reaches every new export).
 */
export function exportPackageJson(runId: number): string {
  const deps = studioDependencies
  return JSON.stringify(
    {
      name: `studio-model-run-${runId}`,
      private: true,
      type: 'module',
      description: `Image classifier exported from Studio (run ${runId})`,
      dependencies: { '@tensorflow/tfjs': deps['@tensorflow/tfjs'], sharp: deps.sharp },
    },
    null,
    2,
  )
}

/** The card as one self-contained HTML page (no scripts, no external files); names in it are escaped. */
export function cardHtml(markdown: string, title: string): string {
  const escaped = markdown.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
  const body = marked.parse(escaped, { async: false })
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body { font: 15px/1.5 system-ui, sans-serif; max-width: 960px; margin: 2em auto; padding: 0 1em; color: #1d1d22; }
table { border-collapse: collapse; margin: 0.5em 0 1em; } th, td { border-bottom: 1px solid #ddd; padding: 3px 10px; text-align: left; }
code { background: #f1f1f4; padding: 0 3px; border-radius: 3px; } h1, h2, h3 { line-height: 1.2; }
@media (prefers-color-scheme: dark) { body { background: #16161a; color: #e6e6ea; } code { background: #2a2a31; } th, td { border-color: #333; } }
</style></head>
<body>
${body}
</body></html>
`
}
