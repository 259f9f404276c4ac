import fs from 'node:fs'
import path from 'node:path'
import type { ExportDto } from '../../../preload/contract'
import { ConflictError, NotFoundError } from '../errors'
import { ZipSink } from '../export-data/sink'
import type { JobContext, Jobs } from '../jobs'
import { readPreprocessing, runPaths } from '../runs'
import type { Studio } from '../studio'
import { cardHtml, type ExportedFormat } from './bundle'
import { cardInputOf } from './card-input'
import { checkDestination, createFolders, removeFolders, type Destination } from './destination'
import { renderReadme } from './export-readme'
import type { ExportOptions } from './formats'
import { buildManifest, describeFiles, listFiles, MANIFEST_FILE, type ExportManifest } from './manifest'
import { modelCard } from './model-card'
import { partialName, removeStalePartials } from './partials'
import { cardExtras } from './notices'
import { exportOffThread } from './off-thread'
import { resourcePath } from '../resources'
import { selfTestCases, type FormatName, type SelfTestResult } from './self-test'
import { runSelfTest } from './self-test-run'

/**
 * A model export as a job (issue 14 §2, §4): write the bundle into a hidden folder beside the
 * destination (in a worker thread), self-test every format in a fresh process, render the model card
 * and README with the results, write export.json and the zip (streamed), and only then give the
 * folder and zip their names. Cancelled or failed, it leaves nothing under those names.
 */

export interface ModelExportRequest extends ExportOptions {
  runId: number
  /** Absolute folder, new or empty. */
  dir: string
  /** Also write `<dir>.zip`; default true. */
  zip?: boolean
}

/** A checked destination whose folder now exists (empty), with the folders that had to be made for it. */
export interface PreparedExport {
  dest: Destination
  /** Folders created for it, outermost first; removed again if the export fails or is cancelled. */
  created: string[]
}

/**
 * Everything that can refuse an export, before any work and on the caller's thread: the run cannot
 * be exported, the destination is not new or empty, is inside the project, or cannot be created
 * (the folder is made here, one level at a time, so a file system that refuses answers at once).
 */
export function prepareModelExport(studio: Studio, req: ModelExportRequest): PreparedExport {
  const dest = checkModelExport(studio, req)
  return { dest, created: createFolders(dest.dir) }
}

function checkModelExport(studio: Studio, req: ModelExportRequest): Destination {
  const run = studio.store.runs.get(req.runId)
  if (!run) throw new NotFoundError(`run ${req.runId} does not exist`)
  if (run.status !== 'done' || !run.summary)
    throw new ConflictError(`run ${req.runId} is ${run.status}; only a finished run can be exported`)
  if (!fs.existsSync(path.join(runPaths(studio.root, req.runId).model, 'model.json')))
    throw new NotFoundError(`run ${req.runId} has no saved model`)
  return checkDestination(studio.project.paths, req.dir, req.zip ?? true)
}

type Progress = Pick<JobContext, 'signal' | 'progress'>

/** Writes, self-tests and names the export; resolves with what the page and the CLI show. */
export async function runModelExport(
  studio: Studio,
  req: ModelExportRequest,
  { dest, created }: PreparedExport,
  { signal, progress }: Progress,
): Promise<ExportDto> {
  const tmp = partialName(dest.dir)
  const zip = dest.zip ? ZipSink.open(dest.zip) : null
  try {
    // A crashed export's hidden folder or zip beside this one goes now (a live export's stays).
    await removeStalePartials(path.dirname(dest.dir))
    progress(0, 1, 'writing the model files')
    const written = await exportOffThread(studio, req.runId, { dir: tmp, zip: null }, req)
    signal.throwIfAborted()
    const formats = withBytes(tmp, written.formats)
    const cases = selfTestCases(studio, req.runId)
    const steps = 1 + formats.length * cases.files.length + 1
    const at = new Map(formats.map((f, i) => [f.format, 1 + i * cases.files.length]))
    const tests = await runSelfTest(tmp, formats, cases, {
      signal,
      onProgress: (f, done, total) => progress(at.get(f)! + done, steps, `self-test ${f}: ${done} / ${total} images`),
    })
    progress(steps - 1, steps, 'where the model looks, model card, README and export.json')
    const extras = await cardExtras(studio, req.runId)
    signal.throwIfAborted()
    const card = modelCard({
      ...cardInputOf(studio, req.runId),
      exported: formats.map((f) => ({ ...f, bytes: f.bytes!, selfTest: tests.get(f.format) ?? null })),
      extraSections: extras.sections,
    })
    // Small files, written asynchronously: this may be the thread that answers the page.
    const write = async (name: string, data: string | Uint8Array) => {
      await fs.promises.mkdir(path.dirname(path.join(tmp, name)), { recursive: true })
      await fs.promises.writeFile(path.join(tmp, name), data)
    }
    for (const [name, data] of Object.entries(extras.files)) await write(name, data)
    await write('model-card.md', card)
    await write('model-card.html', cardHtml(card, `Model card: run ${req.runId}`))
    if (formats.some((f) => f.format === 'onnx'))
      await fs.promises.copyFile(resourcePath('predict.py'), path.join(tmp, 'predict.py'))
    await write(
      'README.md',
      readmeOf(studio, req.runId, formats, tests, [...listFiles(tmp), 'README.md', MANIFEST_FILE]),
    )
    const manifest = buildManifest(req.runId, formats, tests, await describeFiles(tmp, signal))
    await write(MANIFEST_FILE, JSON.stringify(manifest, null, 2) + '\n')
    if (zip) await zipFolder(tmp, path.basename(dest.dir), zip, signal, (m) => progress(steps - 1, steps, m))
    signal.throwIfAborted()
    commitFolder(tmp, dest.dir)
    await commitZip(zip, dest.dir)
    progress(steps, steps, 'done')
    return toDto(dest, manifest, card)
  } catch (err) {
    await zip?.abort()
    fs.rmSync(tmp, { recursive: true, force: true })
    removeFolders(created)
    throw err
  }
}

/** Starts the export as the project's 'export' job; refusals (run, destination, one running) come first. */
export function startModelExportJob(
  studio: Studio,
  jobs: Jobs,
  req: ModelExportRequest,
  onDone: (result: ExportDto) => void,
): { started: true; dir: string; zip: string | null } {
  if (jobs.isRunning('export')) throw new ConflictError('an export is already running; wait for it or cancel it')
  const prepared = prepareModelExport(studio, req)
  void jobs.start('export', async (ctx) => onDone(await runModelExport(studio, req, prepared, ctx)))
  return { started: true, dir: prepared.dest.dir, zip: prepared.dest.zip }
}

function readmeOf(
  studio: Studio,
  runId: number,
  formats: ExportedFormat[],
  selfTests: ReadonlyMap<FormatName, SelfTestResult>,
  files: string[],
): string {
  const pre = readPreprocessing(runPaths(studio.root, runId))
  const version = studio.store.datasets.version(studio.store.runs.get(runId)!.datasetVersion)!
  return renderReadme({ runId, labels: version.classes.map((c) => c.name), pre, formats, selfTests, files })
}

/** Each format's own size: as the bundle measured it, else the sum of its model and weight files on disk. */
function withBytes(dir: string, formats: ExportedFormat[]): (ExportedFormat & { bytes: number })[] {
  const shared = new Set(['labels.json', 'preprocessing.json', 'predict.mjs', 'package.json'])
  return formats.map((f) => ({
    ...f,
    bytes:
      f.bytes ??
      f.files.filter((p) => !shared.has(p)).reduce((n, p) => n + (fs.statSync(path.join(dir, p)).size ?? 0), 0),
  }))
}

/** Adds every file of the folder to the zip under `<name>/…`, one file in memory at a time. */
async function zipFolder(
  dir: string,
  name: string,
  zip: ZipSink,
  signal: AbortSignal,
  say: (message: string) => void,
): Promise<void> {
  const files = listFiles(dir)
  for (const [i, rel] of files.entries()) {
    signal.throwIfAborted()
    say(`zipping ${i + 1} / ${files.length} files`)
    // Weights are float noise to deflate (a few per cent, at a second of CPU per 20 MB): stored as they are.
    const text = !/\.(bin|onnx)$/.test(rel)
    await zip.add(`${name}/${rel}`, await fs.promises.readFile(path.join(dir, ...rel.split('/'))), text)
  }
}

/** Gives the finished folder its name, replacing the empty one prepared for it; a filled one is never replaced. */
function commitFolder(tmp: string, dir: string): void {
  if (fs.existsSync(dir)) {
    if (fs.readdirSync(dir).length)
      throw new ConflictError(`${dir} was filled while the export ran; nothing was replaced`)
    fs.rmdirSync(dir)
  }
  fs.renameSync(tmp, dir)
}

/** Gives the zip its name; if that fails, the folder just named goes too, so nothing half-made stays. */
async function commitZip(zip: ZipSink | null, dir: string): Promise<void> {
  try {
    await zip?.commit()
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true })
    throw err
  }
}

function toDto(dest: Destination, m: ExportManifest, modelCard: string): ExportDto {
  return {
    runId: m.runId,
    dir: dest.dir,
    zip: dest.zip,
    files: m.files.map((f) => f.path),
    formats: m.formats.map((f) => ({ ...f, files: f.files.map((x) => x.path) })),
    modelCard,
  }
}
