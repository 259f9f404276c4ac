import fs from 'node:fs'
import path from 'node:path'
import sharp from 'sharp'
import { ConflictError, NotFoundError, errorMessage } from '../errors'
import { explain } from '../explain/explain'
import { overlayPng } from '../explain/overlay'
import { readPreprocessing, runPaths } from '../runs'
import type { PredictionRecord } from '../store'
import type { Studio } from '../studio'
import { decode } from '../training/pixels'

export interface LooksOptions {
  /** Correct predictions to show, the most confident first (one class at a time). Default 3. */
  correct?: number
  /** Wrong predictions to show, the most confident mistakes first (one true class at a time). Default 3. */
  wrong?: number
  /** Longest side of each overlay, pixels. Default 224 (the card stays small: ≈ 10–20 kB an image as JPEG). */
  maxSide?: number
  /** jpeg (default: photos compress far better) or png. */
  format?: 'jpeg' | 'png'
  /** Folder of the images inside the bundle, which the Markdown links to. Default 'looks'. */
  folder?: string
}

export interface ModelLooks {
  /** Bundle-relative path → image bytes, e.g. 'looks/1-correct-ants.jpg'. */
  files: Record<string, Uint8Array>
  /** A "## Where the model looks" section that embeds exactly those files by relative path. */
  markdown: string
}

const HOW_TO_READ =
  'Each picture is a Grad-CAM map of the predicted class laid over the image: warm colours (red, yellow) ' +
  'mark the regions that raised that class’s score most, cool ones mattered little; a map on the background ' +
  'rather than the object is a sign the model learned a shortcut.'

/**
 * The model card's "Where the model looks": Grad-CAM overlays of a few images of the run's evaluation
 * split (test, val when there is none) — the most confident correct predictions and the most
 * confident mistakes — with captions from the run's stored predictions. Maps come from (and go to)
 * the run's explain cache. An image whose file is gone or no longer decodes is skipped and the
 * section says so; missing model files are an error naming the folder.
 */
export async function whereTheModelLooks(studio: Studio, runId: number, opts: LooksOptions = {}): Promise<ModelLooks> {
  const { correct = 3, wrong = 3, maxSide = 224, format = 'jpeg', folder = 'looks' } = opts
  const run = studio.store.runs.get(runId)
  if (!run) throw new NotFoundError(`run ${runId} does not exist`)
  if (run.status !== 'done') throw new ConflictError(`run ${runId} is ${run.status}; only a finished run can explain`)
  const paths = runPaths(studio.root, runId)
  if (!fs.existsSync(path.join(paths.model, 'model.json')))
    throw new NotFoundError(`run ${runId}'s model files are missing: ${paths.model} has no model.json`)
  const head = '## Where the model looks\n\n'
  if (readPreprocessing(paths).backbone) {
    return {
      files: {},
      markdown: `${head}No maps: Grad-CAM follows gradients through the whole model, and this run's graph-model backbone does not give them.\n`,
    }
  }
  const classes = studio.store.datasets.version(run.datasetVersion)!.classes.map((c) => c.name)
  const split = run.summary ? ((JSON.parse(run.summary) as { split?: string }).split ?? 'test') : 'test'
  const byConfidence = (ok: boolean, n: number) =>
    n > 0 ? spread(studio.store.runs.predictions(runId, { correct: ok }, 'confidence desc', 2000)) : []
  const good = byConfidence(true, correct)
  const bad = byConfidence(false, wrong)
  if (!good.length && !bad.length) {
    return { files: {}, markdown: `${head}No maps: the run has no predictions on test or validation images.\n` }
  }
  const files: Record<string, Uint8Array> = {}
  const figures: string[] = []
  const skipped: string[] = []
  const ext = format === 'png' ? 'png' : 'jpg'
  const pick = async (candidates: PredictionRecord[], n: number, kind: 'correct' | 'wrong') => {
    let shown = 0
    for (const p of candidates) {
      if (shown === n) break
      const img = studio.store.images.get(p.imageId)
      if (!img) continue
      const file = studio.originalPath(img)
      const why = await unreadable(file)
      if (why) {
        skipped.push(`${md(img.relPath || img.originalName)} (image ${img.id}): ${md(why)}`)
        continue
      }
      // Naming the stored predicted class lets explain answer from its cache.
      const e = await explain(studio, runId, img.id, classes[p.predIndex] ?? null)
      const png = await overlayPng(file, e, { fit: e.fit, maxSide })
      const bytes = format === 'png' ? png : await sharp(png).jpeg({ quality: 80, mozjpeg: true }).toBuffer()
      const truth = classes[p.trueIndex] ?? `class ${p.trueIndex}`
      const predicted = classes[p.predIndex] ?? `class ${p.predIndex}`
      const what =
        kind === 'correct' ? slug(truth, p.trueIndex) : `${slug(truth, p.trueIndex)}-as-${slug(predicted, p.predIndex)}`
      const name = `${folder}/${Object.keys(files).length + 1}-${kind}-${what}.${ext}`
      files[name] = new Uint8Array(bytes)
      const caption =
        kind === 'correct'
          ? `${md(truth)}, predicted correctly (${pct(p.confidence)})`
          : `${md(truth)}, predicted as ${md(predicted)} (${pct(p.confidence)})`
      figures.push(`![${caption}](${name})\n*${kind === 'correct' ? 'Correct' : 'Wrong'}: ${caption}*`)
      shown++
    }
    return shown
  }
  const shownGood = await pick(good, correct, 'correct')
  const shownBad = await pick(bad, wrong, 'wrong')
  const lines = [
    head + HOW_TO_READ,
    `Images from the ${split} split: ${count(shownGood, 'confident correct prediction')}` +
      (wrong === 0
        ? '.'
        : bad.length
          ? ` and ${count(shownBad, 'mistake')} (the most confident ones).`
          : ' and no mistakes (the model made none on this split).'),
    ...figures,
  ]
  if (skipped.length) {
    lines.push(
      `${count(skipped.length, 'image')} could not be read and ${skipped.length === 1 ? 'was' : 'were'} left out:\n` +
        skipped.map((s) => `- ${s}`).join('\n'),
    )
  }
  return { files, markdown: lines.join('\n\n') + '\n' }
}

/**
 * Why an image file cannot be explained (missing, or no longer decodes), or null when it can. Said
 * without the file's path: the card travels, the project folder's location is nobody else's business.
 */
async function unreadable(file: string): Promise<string | null> {
  let data: Buffer
  try {
    data = fs.readFileSync(file)
  } catch {
    return 'its file is missing from the project'
  }
  try {
    await decode(data, { size: 8, fit: 'cover' })
    return null
  } catch (err) {
    return `it no longer decodes (${errorMessage(err).split('\n')[0]})`
  }
}

/**
 * Most confident first, one true class at a time (the best of each class, then the second best of
 * each, …), so three pictures are not all of one class. `preds` come most confident first.
 */
function spread(preds: PredictionRecord[]): PredictionRecord[] {
  const byClass = new Map<number, PredictionRecord[]>()
  for (const p of preds) {
    const group = byClass.get(p.trueIndex)
    if (group) group.push(p)
    else byClass.set(p.trueIndex, [p])
  }
  const out: PredictionRecord[] = []
  for (let round = 0; out.length < preds.length; round++) {
    const next = [...byClass.values()].flatMap((g) => (round < g.length ? [g[round]!] : []))
    out.push(...next.sort((a, b) => b.confidence - a.confidence))
  }
  return out
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`
const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`

/** A file-name-safe form of a class name (the user's text); its index when nothing safe is left. */
function slug(name: string, index: number): string {
  const s = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
  return s || `class-${index}`
}

/** Class names and paths are the user's text: escape what Markdown would read as syntax. */
function md(text: string): string {
  return text.replace(/[\\`*_[\]()#|!<>~]/g, (c) => `\\${c}`)
}
