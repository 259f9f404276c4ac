import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type {
  AttributeChangeDto,
  AutoPlanDto,
  AttributeDto,
  ClassDto,
  ExplanationDto,
  FacetsDto,
  HealthDto,
  LabelQueueDto,
  ImagePageDto,
  ImageQueryDto,
  PresetDto,
  ProjectApi,
  RequestOf,
  RunDto,
  SettingsDto,
  SlicesDto,
  StudioEvent,
  SuspectsDto,
  TrainRequestDto,
} from '../../preload/contract'
import { attributeDto, imageDto, runDto } from './api/dto'
import { changeAttribute, listAttributes } from './attributes/attributes'
import { evaluateByAttribute } from './attributes/by-attribute'
import { startBackfill } from './health/backfill'
import { explainRequest } from './explain/request'
import { healthReport } from './health/report'
import { backupTarget, startBackupJob, startCheckJob } from './maintenance/jobs'
import { changeSettings, settingsDto } from './privacy/settings'
import { Jobs } from './jobs'
import {
  decideSuspect,
  labelQueue,
  startLabelCheckJob,
  startScoringJob,
  suspects,
  suspectsFresh,
  type QualityContext,
} from './quality/jobs'
import { lensOf } from './quality/scoring'
import { confusionCell, evaluation } from './evaluation/report'
import { evaluableSplits, splitCell, splitEvaluation } from './evaluation/split-report'
import { startModelExportJob } from './export/export-job'
import { startDataExportJob } from './export-data/job'
import { requestedAugmentation } from './training/augment'
import { describePresets, PRESET_NAMES, presets } from './training/presets'
import type { TrainEvent } from './training/events'
import { resumeTraining, startTraining, type TrainingHandle } from './training/runner'
import { autoConfig, autoPlanFor } from './training/auto-facts'
import type { TrainConfig } from './training/config'
import { backboneFolders, listBackboneEntries } from './training/backbones'
import { ConflictError, ValidationError } from './errors'
import { writeShapes } from './sample/shapes'
import { ModelPreview } from './try-model'
import type { Studio } from './studio'
import { plural } from './plural'

/**
 * The contract implemented over one open project: what the browser-mode server and the Electron
 * IPC bind to. Long operations (import) answer at once and report through `onEvent`.
 */
export class StudioService implements ProjectApi {
  private importing: AbortController | null = null
  private training: TrainingHandle | null = null
  private lastBatchEvent = 0
  /** A run's end, held until its process has exited (see track). */
  private pendingEnd: Extract<StudioEvent, { type: 'train-status' }> | null = null
  /** Scoring, label checks and the signal backfill (one of each at a time). */
  readonly jobs: Jobs
  /** The model "Try the model" uses, kept loaded between requests. */
  private readonly preview: ModelPreview

  constructor(
    private readonly studio: Studio,
    private readonly onEvent: (e: StudioEvent) => void,
    /** Folder of pretrained backbones (setting); null: STUDIO_MODELS_DIR or ~/.studio/models. */
    private readonly modelsDirSetting: string | null = null,
  ) {
    this.jobs = new Jobs(onEvent)
    // Images imported before pixel signals existed get them in the background (the report's `pending`).
    startBackfill(studio, this.jobs, () => onEvent({ type: 'health-changed' }))
    this.preview = new ModelPreview(studio)
  }

  private get quality(): QualityContext {
    return { studio: this.studio, jobs: this.jobs, modelsDir: this.modelsDirSetting }
  }

  /** Stops a running import and training (the app is quitting). */
  cancelAll(): void {
    this.preview.dispose()
    this.importing?.abort()
    this.training?.cancel()
    this.jobs.cancelAll()
  }

  /** What keeps the project busy (a running import or training), or null: the session will not close it then. */
  busy(): string | null {
    if (this.importing) return 'an import is running'
    if (this.training) return 'a training run is running'
    return this.jobs.busy()
  }

  async stats() {
    return this.studio.stats()
  }

  async images({ count = true, ...q }: ImageQueryDto): Promise<ImagePageDto> {
    if (q.suspects && !suspectsFresh(this.quality)) return { items: [], nextCursor: null, total: count ? 0 : null }
    const page = this.studio.store.images.page(q)
    const items = page.items.map(imageDto)
    if (q.runId !== undefined) {
      const preds = lensOf(
        this.studio,
        q.runId,
        items.map((i) => i.id),
      )
      for (const i of items) i.prediction = preds.get(i.id) ?? null
    }
    return { items, nextCursor: page.nextCursor, total: count ? this.studio.store.images.count(q) : null }
  }

  async facets(): Promise<FacetsDto> {
    return { origins: this.studio.store.images.origins(), versions: this.studio.store.datasets.versions() }
  }

  async classes(): Promise<ClassDto[]> {
    return this.studio.labels.classes().map(({ id, name, color, count }) => ({ id, name, color, count }))
  }

  async createClass(req: RequestOf<'createClass'>): Promise<ClassDto> {
    const c = this.studio.labels.createClass(req.name, req.color)
    this.onEvent({ type: 'health-changed' })
    return { id: c.id, name: c.name, color: c.color, count: 0 }
  }

  async renameClass(req: RequestOf<'renameClass'>): Promise<ClassDto> {
    this.studio.labels.renameClass(req.classId, req.name)
    return (await this.classes()).find((c) => c.id === req.classId)!
  }

  async mergeClass(req: RequestOf<'mergeClass'>) {
    return this.changed(this.studio.labels.mergeClass(req.from, req.into))
  }

  async deleteClass(req: RequestOf<'deleteClass'>) {
    const choice =
      req.mode === 'merge'
        ? ({ mode: 'merge', into: req.into! } as const)
        : req.mode === 'unlabel'
          ? ({ mode: 'unlabel' } as const)
          : undefined
    return this.changed(this.studio.labels.deleteClass(req.classId, choice))
  }

  async setLabels(req: RequestOf<'setLabels'>) {
    return this.changed(this.studio.labels.setLabels(req.imageIds, req.classId))
  }

  async setClassColor(req: RequestOf<'setClassColor'>): Promise<ClassDto> {
    this.studio.labels.setClassColor(req.classId, req.color)
    return (await this.classes()).find((c) => c.id === req.classId)!
  }

  async undo() {
    const r = this.studio.labels.undo()
    return r && this.changed(r)
  }

  async redo() {
    const r = this.studio.labels.redo()
    return r && this.changed(r)
  }

  async history(req: RequestOf<'history'>) {
    return this.studio.labels
      .history(this.studio.image(req.imageId).id)
      .map((h) => ({ at: h.createdAt, kind: h.kind, from: h.oldClass, to: h.newClass }))
  }

  async startImport(req: RequestOf<'startImport'>): Promise<{ started: true }> {
    return this.beginImport(req)
  }

  /** The demo's shapes, generated into a temporary folder that goes once they are imported. */
  async importSample(): Promise<{ started: true }> {
    if (this.importing) throw new ConflictError('an import is already running in this window')
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'studio-sample-'))
    await writeShapes(dir, 12)
    return this.beginImport({ source: dir }, () => fs.rmSync(dir, { recursive: true, force: true }))
  }

  private beginImport(req: RequestOf<'startImport'>, cleanup = () => {}): { started: true } {
    if (this.importing) {
      cleanup()
      throw new ConflictError('an import is already running in this window')
    }
    const controller = new AbortController()
    this.importing = controller
    // Answer now; progress and the end come as events.
    void this.studio
      .import(req.source, {
        layout: req.layout,
        signal: controller.signal,
        onProgress: (p) => this.onEvent({ type: 'import-progress', ...p }),
      })
      .then(
        (s) =>
          this.onEvent({
            type: 'import-finished',
            status: s.status,
            imported: s.imported,
            duplicates: s.duplicates,
            errors: s.errors,
            error: null,
          }),
        (err: Error) =>
          this.onEvent({
            type: 'import-finished',
            status: 'failed',
            imported: 0,
            duplicates: 0,
            errors: 0,
            error: err.message,
          }),
      )
      .finally(() => {
        cleanup()
        this.importing = null
        this.onEvent({ type: 'health-changed' })
        this.onEvent({ type: 'labels-changed' })
      })
    return { started: true }
  }

  async cancelImport() {
    const running = this.importing !== null
    this.importing?.abort()
    return { cancelled: running }
  }

  async importErrors() {
    const batches = new Map(this.studio.store.imports.batches().map((b) => [b.id, b]))
    return this.studio.importErrors().map((e) => ({
      batch: e.batchId,
      path: e.path,
      reason: e.reason,
      source: batches.get(e.batchId)?.source ?? '',
      startedAt: batches.get(e.batchId)?.startedAt ?? e.createdAt,
    }))
  }

  async runs(): Promise<RunDto[]> {
    const now = Date.now()
    return this.studio.store.runs.list().map((r) => runDto(this.studio, r, now))
  }

  /** Usable backbones: Studio's own and the models folder's. */
  async backbones(): Promise<string[]> {
    const entries = listBackboneEntries(backboneFolders(this.modelsDirSetting))
    return [...new Set(entries.filter((e) => !e.problem).map((e) => e.name))].sort()
  }

  async presets(): Promise<PresetDto[]> {
    return describePresets(undefined, { modelsDir: this.modelsDirSetting })
  }

  async autoPlan(req: RequestOf<'autoPlan'>): Promise<AutoPlanDto> {
    const { config: _, ...plan } = autoPlanFor(this.studio, req.budgetSeconds, { modelsDir: this.modelsDirSetting })
    return plan
  }

  async startTraining(req: TrainRequestDto): Promise<{ runId: number }> {
    if (this.training) throw new ConflictError('a training run is already running in this window')
    if (req.auto) {
      const { auto, ...given } = req
      const plan = autoPlanFor(this.studio, auto.budgetSeconds, { modelsDir: this.modelsDirSetting })
      // Only what the request names besides the budget wins over the plan (the Auto form sends none).
      const config = autoConfig(plan, given as Partial<TrainConfig>)
      return this.track(
        startTraining(this.studio, config, (e) => this.relayTraining(e), { modelsDir: this.modelsDirSetting }),
      )
    }
    const { augment, cropPad, flip, preset, auto: _auto, ...rest } = req
    // The request schema admits registered names only; this narrows the contract's string to one.
    const name = PRESET_NAMES.find((n) => n === preset)
    if (preset !== undefined && !name) throw new ValidationError(`preset: no preset named ${JSON.stringify(preset)}`)
    // What the request leaves out of the augmentation stays the preset's (e.g. its crop padding).
    const base = (name ? presets.get(name) : presets.default).defaults.augment ?? null
    const config = { ...rest, preset: name, augment: requestedAugmentation({ augment, cropPad, flip }, base) }
    return this.track(
      startTraining(this.studio, config, (e) => this.relayTraining(e), { modelsDir: this.modelsDirSetting }),
    )
  }

  async resumeTraining(req: RequestOf<'resumeTraining'>): Promise<{ runId: number }> {
    if (this.training) throw new ConflictError('a training run is already running in this window')
    const handle = resumeTraining(this.studio, req.runId, (e) => this.relayTraining(e), {
      modelsDir: this.modelsDirSetting,
    })
    return this.track(handle)
  }

  /**
   * The live run until its process has exited. Its end is announced only then, so a Start pressed
   * the moment the page learns the run ended is not refused as "already running".
   */
  private track(handle: TrainingHandle): { runId: number } {
    this.training = handle
    void handle.done.finally(() => {
      this.training = null
      const end = this.pendingEnd
      this.pendingEnd = null
      if (end) this.onEvent(end)
    })
    return { runId: handle.runId }
  }

  async cancelTraining() {
    const running = this.training !== null
    this.training?.cancel()
    return { cancelled: running }
  }

  async epochs(req: RequestOf<'epochs'>) {
    return this.studio.store.runs
      .epochs(req.runId)
      .map(({ epoch, loss, accuracy, valLoss, valAccuracy }) => ({ epoch, loss, accuracy, valLoss, valAccuracy }))
  }

  async evaluation(req: RequestOf<'evaluation'>) {
    const own = evaluation(this.studio, req.runId)
    const other = req.split && req.split !== own.split
    const { run, split, count, accuracy, loss, ece, classes, perClass, macro, weighted, confusion, bins, mistakes } =
      other ? splitEvaluation(this.studio, req.runId, req.split!) : own
    const splits = evaluableSplits(this.studio, req.runId, own.split)
    const metrics = { count, accuracy, loss, ece, perClass, macro, weighted, confusion, bins }
    // The run's own split carries what was decided after training (test-time augmentation, temperature).
    const after = other ? {} : { tta: own.tta, temperature: own.temperature }
    return { run, split, classes, ...metrics, mistakes, splits, ...after }
  }

  async confusionCell(req: RequestOf<'confusionCell'>) {
    const own = req.split ? evaluation(this.studio, req.runId, 0).split : null
    if (req.split && req.split !== own) {
      return splitCell(this.studio, req.runId, req.split, req.trueIndex, req.predIndex)
    }
    return confusionCell(this.studio, req.runId, req.trueIndex, req.predIndex)
  }

  async predict(req: RequestOf<'predict'>) {
    const files = (req.files ?? []).map((f) => ({ name: f.name, data: Buffer.from(f.dataBase64, 'base64') }))
    return this.preview.predict(req.runId, [...files, ...this.preview.images(req.imageIds ?? [])])
  }

  /**
   * Starts the export job. The run and the destination are checked here, before any work (a refusal
   * names the path); writing, the self-test and the zip run off this thread and report by events.
   */
  async exportRun(req: RequestOf<'exportRun'>) {
    return startModelExportJob(this.studio, this.jobs, req, (result) =>
      this.onEvent({ type: 'export-finished', runId: req.runId, result }),
    )
  }

  async health(req: RequestOf<'health'>): Promise<HealthDto> {
    const report = await healthReport(this.studio, req ?? {}, this.jobs, () => this.onEvent({ type: 'health-changed' }))
    return { ...report, gps: this.studio.store.privacy.gpsCounts() }
  }

  async startScoring(req: RequestOf<'startScoring'>) {
    return startScoringJob(this.quality, req.runId)
  }

  async startLabelCheck(req: RequestOf<'startLabelCheck'>) {
    return startLabelCheckJob(this.quality, req?.backbone ?? null)
  }

  async exportData(req: RequestOf<'exportData'>) {
    return startDataExportJob(this.studio, this.jobs, req)
  }

  async cancelJob(req: RequestOf<'cancelJob'>) {
    return { cancelled: this.jobs.cancel(req.kind) }
  }

  async suspects(req: RequestOf<'suspects'>): Promise<SuspectsDto> {
    return suspects(this.quality, req?.limit ?? null)
  }

  async decideSuspect(req: RequestOf<'decideSuspect'>) {
    return this.changed(decideSuspect(this.quality, req))
  }

  async attributes(): Promise<AttributeDto[]> {
    const total = this.studio.store.images.total()
    return listAttributes(this.studio.store).map((a) => attributeDto(a, total))
  }

  async setAttribute(req: RequestOf<'setAttribute'>): Promise<AttributeChangeDto> {
    return changeAttribute(this.studio.store, req.imageIds, req.name, req.value)
  }

  async clearAttribute(req: RequestOf<'clearAttribute'>): Promise<AttributeChangeDto> {
    return changeAttribute(this.studio.store, req.imageIds, req.name, null)
  }

  async slices(req: RequestOf<'slices'>): Promise<SlicesDto> {
    return evaluateByAttribute(this.studio.store, req.runId, req.attribute, req.className)
  }

  async settings(): Promise<SettingsDto> {
    return settingsDto(this.studio.store)
  }

  async setSettings(req: RequestOf<'setSettings'>): Promise<SettingsDto> {
    return settingsDto(this.studio.store, changeSettings(this.studio.store, req).forgotten)
  }

  /** The 'check' job: reads every original (async, a few at a time), so requests keep being answered. */
  async startCheck() {
    return startCheckJob(this.studio, this.jobs, (result) => {
      this.onEvent({ type: 'check-finished', result })
      this.onEvent({ type: 'health-changed' })
    })
  }

  async backupTarget() {
    return backupTarget(this.studio)
  }

  /** The 'backup' job; the destination is checked (and refused, named) before it starts. */
  async startBackup(req: RequestOf<'startBackup'>) {
    return startBackupJob(this.studio, this.jobs, req, (result) => this.onEvent({ type: 'backup-finished', result }))
  }

  async explain(req: RequestOf<'explain'>): Promise<ExplanationDto> {
    return explainRequest(this.studio, req)
  }

  async labelQueue(req: RequestOf<'labelQueue'>): Promise<LabelQueueDto> {
    return labelQueue(this.quality, req?.by ?? 'margin', req?.limit ?? 50)
  }

  /** Training events, thinned for the UI: every epoch, batches at most ~10 per second. */
  /** An image as messages name it: its file (path within its import), not its internal id. */
  private imageName(id: number): string {
    return this.studio.store.images.get(id)?.relPath ?? `image ${id}`
  }

  private relayTraining(e: TrainEvent): void {
    if (e.type === 'batch') {
      const now = Date.now()
      if (now - this.lastBatchEvent < 100 && e.batch !== e.batches) return
      this.lastBatchEvent = now
      this.onEvent({
        type: 'train-batch',
        runId: e.runId,
        epoch: e.epoch,
        batch: e.batch,
        batches: e.batches,
        loss: e.loss,
        accuracy: e.accuracy,
        imagesPerSec: e.imagesPerSec,
        etaSeconds: e.etaSeconds,
      })
    } else if (e.type === 'epoch') {
      this.onEvent({
        type: 'train-epoch',
        runId: e.runId,
        epoch: e.epoch,
        loss: e.loss,
        accuracy: e.accuracy,
        valLoss: e.valLoss,
        valAccuracy: e.valAccuracy,
        etaSeconds: e.etaSeconds,
      })
    } else if (e.type === 'start') {
      this.onEvent({
        type: 'train-started',
        runId: e.runId,
        backend: e.backend,
        workers: e.workers,
        reason: e.backendReason,
        trainCount: e.trainCount,
        valCount: e.valCount,
      })
      this.onEvent({
        type: 'train-status',
        runId: e.runId,
        status: 'running',
        message: `${plural(e.trainCount, 'training image')}, backend ${e.backend} (${e.backendReason})`,
      })
    } else if (e.type === 'phase' || e.type === 'problem') {
      this.onEvent({
        type: 'train-status',
        runId: e.runId,
        status: 'running',
        message: e.type === 'phase' ? e.phase : `${this.imageName(e.imageId)}: ${e.reason}`,
      })
    } else if (e.type === 'end') {
      const end = { type: 'train-status', runId: e.runId, status: e.status, message: e.error } as const
      if (this.training) this.pendingEnd = end
      else this.onEvent(end)
    }
  }

  private changed<T extends { actionId: number | null; changed: number }>(r: T) {
    if (r.changed) {
      this.onEvent({ type: 'health-changed' })
      this.onEvent({ type: 'labels-changed' })
    }
    return { actionId: r.actionId, changed: r.changed }
  }
}
