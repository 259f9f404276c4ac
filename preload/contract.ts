/**
 * THE contract between the renderer and the engine, type-only. Main (IPC), the browser-mode server
 * and the renderer import it with `import type`. Request payload types are derived from their zod
 * schemas (main/engine/api/requests.ts), which both transports validate with at run time
 * (main/engine/api/dispatch.ts). Errors cross as {name, message}.
 */
import type { z } from 'zod'
import type { FINDING_KINDS, RequestShapes } from '../main/engine/api/requests'

export interface AppInfo {
  version: string
  /** Where the renderer runs: inside Electron or in a browser against `studio serve`. */
  shell: 'electron' | 'browser'
  /** The open project's folder; null until one is opened or created (the Projects view). */
  project: string | null
}

export interface ProjectsDto {
  current: string | null
  /** Most recent first; `exists` is false when the folder or its database has gone. */
  recent: { path: string; name: string; exists: boolean }[]
  /** True where the shell has native folder dialogs (Electron); the browser types a path. */
  canChooseFolder: boolean
}

/** What the browse filters can offer: origin tags and dataset versions (for the split filter). */
export interface FacetsDto {
  origins: { origin: string | null; count: number }[]
  versions: { id: number; createdAt: string; train: number; val: number; test: number }[]
}

export interface ProjectStatsDto {
  images: number
  classes: Record<string, number>
  unlabeled: number
  errors: number
  duplicates: number
}

export interface ImageDto {
  id: number
  hash: string
  name: string
  path: string
  format: string
  width: number
  height: number
  bytes: number
  origin: string | null
  classId: number | null
  className: string | null
  importedAt: string
  status: 'ok' | 'missing'
  /** The prediction of the query's `runId`, when the run predicted this image. */
  prediction?: { classId: number | null; className: string | null; confidence: number } | null
}

/** The browse query; its shape and limits are declared once, in main/engine/api/requests.ts. */
export type ImageQueryDto = RequestOf<'images'>

export interface ImagePageDto {
  items: ImageDto[]
  nextCursor: string | null
  /** Images matching the filters; null when the query said `count: false`. */
  total: number | null
}

export interface ClassDto {
  id: number
  name: string
  color: string
  count: number
}

export interface LabelChangeDto {
  actionId: number | null
  changed: number
}

export interface HistoryDto {
  at: string
  kind: string
  from: string | null
  to: string | null
}

export interface ImportErrorDto {
  batch: number
  path: string
  reason: string
  /** The import (batch) it belongs to: its folder or CSV and when it started, to group the list by import. */
  source: string
  startedAt: string
}

export interface RunDto {
  run: number
  status: 'running' | 'done' | 'failed' | 'cancelled'
  preset: string
  datasetVersion: number
  backend: string | null
  epochs: number
  createdAt: string
  finishedAt: string | null
  error: string | null
  /** Wall-clock seconds from start to finish (so far, while running). */
  seconds: number
  /** The run's hyper-parameters as trained (TrainConfig, defaults filled in). */
  config: Record<string, unknown>
  valAccuracy: number | null
  testAccuracy: number | null
  macroF1: number | null
}

/**
 * A training preset as the Train form offers it; derived from the engine's preset registry
 * (main/engine/training/presets), so the form shows the engine's own defaults.
 */
export interface PresetDto {
  name: string
  label: string
  description: string
  /** The optional form fields that apply to this preset. */
  fields: ('inputSize' | 'backbone' | 'augment' | 'dropout' | 'padding' | 'batchNorm')[]
  defaults: {
    inputSize: number
    epochs: number
    batchSize: number
    learningRate: number
    /** null: early stopping off. */
    patience: number | null
    seed: number
    backbone: string | null
    fractions: { train: number; val: number; test: number }
  }
  /** Accepted input sizes in pixels (min = max where the preset fixes it). */
  inputSize: { min: number; max: number }
  /** Presets with the backbone field: every backbone found, usable or not (defaults.backbone is the best usable). */
  backbones?: BackboneDto[]
  /** The recipe's defaults for this preset (engine: training/recipe.ts, augment.ts says what each means). */
  recipe?: RecipeDto
  /** Presets on cached backbone features: feature augmentation and fine-tuning defaults (engine: training/transfer-recipe.ts). */
  transfer?: {
    featureAugment: { copies: number; flip: boolean; minCrop: number; color: number }
    fineTune: { blocks: number; epochs: number; learningRate: number }
    /**
     * Weight of the class scores (the backbone's own ImageNet class probabilities appended to its
     * features) where they are on. The engine turns them on by default wherever the chosen backbone
     * ships a classifier (BackboneDto.classifier) and fine-tuning is off; 0 = never by default.
     */
    classScores: number
    /** Heads trained from different seeds and averaged where fine-tuning is off (1: one head). */
    heads: number
  }
}

/** A run's recipe options as the Train form offers them (cropPad and flip: the preset's default augmentation). */
export interface RecipeDto {
  dropout: { beforeDense: number; afterDense: number }
  labelSmoothing: number
  schedule: 'constant' | 'cosine' | 'onecycle'
  /** Epochs. */
  warmupEpochs: number
  weightDecay: number
  /**
   * Seed CNN: how many of its three convolutions, counted from the last, zero-pad ('same'). The
   * default here is the preset's default input size's; left out of a request, the engine picks it
   * by the input size (the fewest that leave a 3×3 grid into the dense layer).
   */
  samePadding: number
  /** Seed CNN: batch normalization after each of its three poolings (not in the classic layers). */
  batchNorm: boolean
  /** Pixels. */
  cropPad: number
  flip: boolean
}

/** A pretrained backbone: bundled with Studio or found in the models folder. */
export interface BackboneDto {
  /** Folder name; what a run's config names. */
  name: string
  title: string
  origin: 'bundled' | 'models-folder'
  /** Why it cannot be used (malformed backbone.json, a missing or damaged file); null: usable. */
  problem: string | null
  /** Input side, pixels; null where nothing says (decided when it loads). */
  inputSize: number | null
  /** Length of the feature vector the head is trained on; null where unknown until loaded. */
  featureSize: number | null
  parameters: number | null
  /** Bytes on disk (model.json and weights). */
  bytes: number
  /** Feature extraction, images per second, as measured where speedMeasured says; null: not measured. */
  imagesPerSecond: number | null
  speedMeasured: string | null
  /** SPDX identifier of the weights' license; null where unstated. */
  license: string | null
  /** Ships its ImageNet classifier (backbone.json's classifier), so the transfer preset's class scores can be on. */
  classifier: boolean
}

/** Training settings the form may send; the engine fills in the preset's defaults. */
export type TrainRequestDto = RequestOf<'startTraining'>

/** Figures a post-training choice is judged by (engine: evaluation/calibration.ts). */
export interface CalibrationFiguresDto {
  accuracy: number
  loss: number
  ece: number
}

/** Test-time augmentation of a run: asked, used, why, and val / evaluation-split figures without and with it. */
export interface TtaDto {
  mode: 'auto' | 'on' | 'off'
  used: boolean
  reason: string
  val: { plain: CalibrationFiguresDto; tta: CalibrationFiguresDto } | null
  eval: { plain: CalibrationFiguresDto; tta: CalibrationFiguresDto } | null
}

/** Temperature scaling of a run: the fitted T, whether it is in the model, why, and figures before/after. */
export interface TemperatureDto {
  mode: 'auto' | 'on' | 'off'
  value: number
  fitted: number | null
  applied: boolean
  reason: string
  val: { before: CalibrationFiguresDto; after: CalibrationFiguresDto } | null
  eval: { before: CalibrationFiguresDto; after: CalibrationFiguresDto } | null
}

/** "Train the best model": what Auto would choose for this project and budget (engine: training/auto.ts). */
export interface AutoPlanDto {
  budgetSeconds: number
  estimateSeconds: number
  choices: { what: string; value: string; why: string }[]
}

export interface EvaluationDto {
  run: number
  split: string
  count: number
  accuracy: number
  loss: number
  ece: number
  classes: string[]
  perClass: { precision: number; recall: number; f1: number; support: number }[]
  macro: { precision: number; recall: number; f1: number }
  weighted: { precision: number; recall: number; f1: number }
  confusion: number[][]
  bins: { lower: number; upper: number; count: number; confidence: number; accuracy: number }[]
  /** Wrong predictions, most confident first (up to 10). */
  mistakes: { image: number; hash: string; path: string; true: string; predicted: string; confidence: number }[]
  /**
   * The splits of the run's version: `available` for the split the run evaluated when it ended, and for
   * every split once the run has scored the images (`evaluation({split})`).
   */
  splits: { split: 'train' | 'val' | 'test'; images: number; available: boolean }[]
  /** After training (runs from before them lack these): test-time augmentation and temperature scaling. */
  tta?: TtaDto
  temperature?: TemperatureDto
}

export interface CellImageDto {
  image: number
  hash: string
  path: string
  confidence: number
  className: string | null
}

/** One exported format's self-test: a fresh process ran it on the evaluation split (engine: export/self-test.ts). */
export interface SelfTestDto {
  /** skipped: its runtime is not installed where the test ran (or nothing to check); the reason says which. */
  status: 'passed' | 'failed' | 'skipped'
  /** Why it failed or was skipped; null when it passed. */
  reason: string | null
  /** The runtime that loaded it, with version and backend. */
  runtime: string | null
  /** How images became input: preprocessing.json, or Teachable Machine's own steps. */
  preprocessing: string | null
  /** The split classified: test, or val when the run has none. */
  split: string
  /** Images classified (original files that could be read). */
  images: number
  /** Images of the split whose original file could not be read. */
  unreadable: number
  /** Share of images whose top-1 class equals Studio's stored prediction. */
  agreement: number | null
  /** Share of images classified as their label. */
  accuracy: number | null
  /** Studio's own accuracy on the same images. */
  studioAccuracy: number | null
  /** Largest |p − Studio's p| over every image and class. */
  maxDiff: number | null
  /** Load plus classification, seconds. */
  seconds: number
  /** What it had to reach: top-1 agreement, and a largest difference (null: not judged). */
  threshold: { agreement: number; maxDiff: number | null }
}

/** One model format in an export (export.json's `formats`). */
export interface ExportFormatDto {
  format: 'tfjs' | 'tfjs-float16' | 'tfjs-uint8' | 'tm' | 'onnx'
  /** The package that loads it. */
  runtime: string
  /** Its model.json or model.onnx, relative to the folder. */
  modelFile: string
  note?: string
  /** Bytes of its own model and weight files. */
  bytes: number
  /** Every file it needs, relative to the folder. */
  files: string[]
  /** null: not self-tested. */
  selfTest: SelfTestDto | null
}

/** A finished model export (the export job's result, in the export-finished event). */
export interface ExportDto {
  runId: number
  dir: string
  zip: string | null
  /** Every file of the folder, relative. */
  files: string[]
  formats: ExportFormatDto[]
  /** model-card.md as written, with the self-test section. */
  modelCard: string
}

export interface EpochDto {
  epoch: number
  loss: number | null
  accuracy: number | null
  valLoss: number | null
  valAccuracy: number | null
}

/** Stable kinds of the health report (`studio health --json`), listed once in requests.ts. */
export type FindingKind = (typeof FINDING_KINDS)[number]

/** One finding of the health report. */
export interface FindingDto {
  kind: FindingKind
  severity: 'error' | 'warning' | 'info'
  /** Images concerned; groups for near-duplicate and split-leakage; files for skipped-not-image. */
  count: number
  /** Image ids ("Show in Browse" opens exactly these: images({finding: kind})). */
  images: number[]
  detail: string
  /** near-duplicate, split-leakage: the groups of image ids. */
  groups?: number[][]
  /** Class findings: the class names concerned. */
  classes?: string[]
  /** skipped-not-image, unreadable: paths relative to their import source. */
  files?: string[]
}

export interface HealthDto {
  computedAt: string
  images: number
  /** The dataset version the split checks looked at; null: none (or origin splits, see `originSplits`). */
  versionId: number | null
  /** The leakage check looked at the import's train/val/test folders instead of a version. */
  originSplits: boolean
  /** Images whose pixel signals are not computed yet (the backfill job runs): their checks are pending. */
  pending: number
  /**
   * Near-duplicates by cached backbone features: 'included' in the groups, 'computing' (a background
   * 'feature-dups' job; a health-changed event follows), 'not-computed' (that job failed or was
   * cancelled), 'none' (no features cached). Absent in reports of older versions.
   */
  featureGroups?: 'none' | 'included' | 'computing' | 'not-computed'
  findings: FindingDto[]
  /** How many stored originals carry a GPS position (privacy); absent in reports of older versions. */
  gps?: GpsCountDto
}

/** Stored originals with and without a GPS position; `unchecked`: imported before Studio counted (studio check counts them). */
export interface GpsCountDto {
  withGps: number
  withoutGps: number
  unchecked: number
}

/** The open project's privacy settings (main/engine/privacy/settings.ts says what each value does). */
export interface SettingsDto {
  /** keep: originals byte for byte (default); gps: GPS removed at import; all: EXIF/XMP/IPTC removed, orientation kept. */
  stripMetadata: 'keep' | 'gps' | 'all'
  /** keep: import batches record their absolute source path (default); forget: only the folder's or CSV's name. */
  sourcePaths: 'keep' | 'forget'
  /** Import batches that still store an absolute path (what setSettings' forgetStored would change). */
  storedSourcePaths: number
  gps: GpsCountDto
  /** Import batches whose stored path this change forgot (setSettings only). */
  forgotten?: number
}

/** One thing `studio check` found and could not repair, the file named. */
export interface CheckProblemDto {
  kind: 'database' | 'original-missing' | 'original-damaged' | 'thumbnail'
  file: string
  /** The image's path as imported (below its folder or CSV); null for the database. */
  name: string | null
  imageId: number | null
  detail: string
}

/** One file `studio check` repaired. */
export interface CheckRepairDto {
  /** original: written back from its import source (same SHA-256); thumbnail: made again from the original. */
  kind: 'original' | 'thumbnail'
  /** The file written, in the project. */
  file: string
  /** The image's path as imported. */
  name: string | null
  imageId: number
  /** Where an original's bytes came from; null for a thumbnail. */
  from: string | null
}

/** What a project check found (main/engine/maintenance/check.ts). */
export interface CheckDto {
  /** PRAGMA integrity_check and foreign keys. */
  database: 'ok' | 'damaged'
  images: number
  checked: number
  /** Originals whose bytes match their SHA-256. */
  originalsOk: number
  /** Missing or damaged originals written back from their import source (same bytes). */
  repairedOriginals: number
  /** Missing or empty thumbnails made again. */
  repairedThumbnails: number
  /** Images imported before Studio counted GPS, counted by this check. */
  gpsCounted: number
  /** False when cancelled before every image was checked (the counts then cover `checked` images). */
  complete: boolean
  /** What was repaired, by file. */
  repaired: CheckRepairDto[]
  /** What could not be repaired. */
  problems: CheckProblemDto[]
  seconds: number
}

/** A written backup (`studio backup`, the 'backup' job's result in the backup-finished event). */
export interface BackupDto {
  /** The tar file, absolute. */
  file: string
  bytes: number
  images: number
  runs: number
  /** Files in it besides its manifest. */
  files: number
  /** Project files the snapshot names that could not be read (left out, named here). */
  missing: string[]
  /** An earlier backup at this path was replaced (the request said overwrite). */
  replaced: boolean
  seconds: number
}

/** Background jobs of a project besides import and training. */
export type JobKind =
  'score' | 'label-check' | 'backfill' | 'feature-dups' | 'export-data' | 'export' | 'check' | 'backup'

/** A suspected wrong label: the label check (cross-validated model + confident learning) doubts it. */
export interface SuspectDto {
  imageId: number
  hash: string
  /** Path relative to its import source, as `studio images` shows it. */
  path: string
  label: string
  labelClassId: number
  suggested: string
  suggestedClassId: number
  /** 0–1, higher = more likely wrong. */
  score: number
}

export interface SuspectsDto {
  /** The check these come from; null: no check yet, or the labels changed since (not fresh). */
  check: { id: number; createdAt: string; backbone: string; source: string; checked: number; fresh: boolean } | null
  /** Suspects not yet decided, most likely first. */
  suspects: SuspectDto[]
  /** All undecided suspects (suspects may be cut to `limit`). */
  total: number
}

export interface QueueItemDto {
  imageId: number
  hash: string
  path: string
  suggestedClassId: number | null
  suggested: string | null
  confidence: number
  /** 0–1, higher = the model is less sure (labeled first). */
  uncertainty: number
}

export interface LabelQueueDto {
  /** Where the order comes from, e.g. "run 3 (scored 2026-11-29 14:02)"; null: nothing to order by yet. */
  source: string | null
  /** Run whose scores order the queue (null when source is null). */
  runId: number | null
  by: 'margin' | 'entropy' | 'least-confidence'
  items: QueueItemDto[]
  /** Unlabeled images left in the queue. */
  remaining: number
}

/** "Try the model": one image's class probabilities by a finished run. */
export interface PredictionDto {
  /** The file's name, or the project image's. */
  name: string
  label: string
  confidence: number
  /** Every class of the run, in the run's output order. */
  classes: { name: string; probability: number }[]
}

/** An image attribute (stored, e.g. from a CSV column, or built in) with its most common values. */
export interface AttributeDto {
  name: string
  builtIn: boolean
  description: string | null
  /** Images with a value. */
  images: number
  /** The most common values (ATTRIBUTE_TOP_VALUES at most), most common first. */
  values: { value: string; images: number }[]
  /** The values past those, pooled (Browse filters them as `other: true`); null when there are none. */
  other: { values: number; images: number } | null
  /** Images without a value (0 for a built-in: every image has one). */
  missing: number
}

/** What setAttribute / clearAttribute did, with each image's value before (for Undo on the page). */
export interface AttributeChangeDto {
  /** As stored: trimmed, lower case. */
  name: string
  /** null: cleared. */
  value: string | null
  /** Images whose value changed. */
  changed: number
  /** The given images grouped by their value before (null: none). */
  before: { value: string | null; imageIds: number[] }[]
}

/** Metrics of one group of images (all, or one attribute value). */
export interface GroupMetricsDto {
  support: number
  accuracy: number
  /** Wilson 95 % interval of the accuracy. */
  accuracyCi: [number, number]
  macroRecall: number
  macroF1: number
  ece: number
}

/** A run's evaluation split by one attribute, worst slices first. */
export interface SlicesDto {
  run: number
  attribute: string
  split: string | null
  classes: string[]
  overall: GroupMetricsDto
  /** `gap`: slice accuracy minus overall; `small`: too few images to conclude. */
  slices: (GroupMetricsDto & { value: string; gap: number; small: boolean })[]
  /** With a chosen class: its recall per slice and the largest gap (the equal-opportunity number). */
  equalOpportunity?: {
    class: string
    overallRecall: number | null
    slices: { value: string; support: number; recall: number | null; recallCi: [number, number] | null }[]
    gap: number
  }
}

/** Where a run's model looks in an image (Grad-CAM), for the page to draw over the image. */
export interface ExplanationDto {
  runId: number
  /** The project image explained; null for an uploaded file. */
  imageId: number | null
  /** The image's file name. */
  name: string
  className: string
  classIndex: number
  classes: string[]
  probs: number[]
  /** The layer whose feature map was weighed. */
  layer: string
  /** The map over the model's square input: side × side bytes (0–255, row-major), base64. */
  map: string
  side: number
  /** How the square input was cut from the image: cover = centre square, contain = whole image padded. */
  fit: 'cover' | 'contain'
  cached: boolean
  /** With the request's `overlayOpacity`: the image with the map laid over it, a PNG, base64. */
  png?: string
}

/** Requests; each resolves to its response or rejects with {name, message}. */
export interface StudioApi {
  appInfo(): Promise<AppInfo>
  projects(): Promise<ProjectsDto>
  /** Opens an existing project (refused while another Studio has it open, or when it is from a newer version). */
  openProject(req: RequestOf<'openProject'>): Promise<AppInfo>
  /** Creates a project in an empty or new folder and opens it. */
  createProject(req: RequestOf<'createProject'>): Promise<AppInfo>
  closeProject(): Promise<{ closed: boolean }>
  /** A native folder dialog (Electron); null when cancelled or where there is none (browser). */
  chooseFolder(req: RequestOf<'chooseFolder'>): Promise<string | null>
  /** A native save dialog (Electron; it asks before replacing a file); null when cancelled or where there is none. */
  chooseSaveFile(req: RequestOf<'chooseSaveFile'>): Promise<string | null>
  /** Shows a folder in the system's file manager (Electron); false where the shell cannot (browser). */
  openFolder(req: RequestOf<'openFolder'>): Promise<{ opened: boolean }>
  facets(): Promise<FacetsDto>
  stats(): Promise<ProjectStatsDto>
  images(query: ImageQueryDto): Promise<ImagePageDto>
  classes(): Promise<ClassDto[]>
  createClass(req: RequestOf<'createClass'>): Promise<ClassDto>
  renameClass(req: RequestOf<'renameClass'>): Promise<ClassDto>
  mergeClass(req: RequestOf<'mergeClass'>): Promise<LabelChangeDto>
  deleteClass(req: RequestOf<'deleteClass'>): Promise<LabelChangeDto>
  setLabels(req: RequestOf<'setLabels'>): Promise<LabelChangeDto>
  /** A class's colour (#rrggbb). */
  setClassColor(req: RequestOf<'setClassColor'>): Promise<ClassDto>
  undo(): Promise<LabelChangeDto | null>
  redo(): Promise<LabelChangeDto | null>
  history(req: RequestOf<'history'>): Promise<HistoryDto[]>
  startImport(req: RequestOf<'startImport'>): Promise<{ started: true }>
  cancelImport(): Promise<{ cancelled: boolean }>
  importErrors(): Promise<ImportErrorDto[]>
  /** Imports the demo's generated shapes (4 classes) into the open project, as startImport does (events). */
  importSample(): Promise<{ started: true }>
  runs(): Promise<RunDto[]>
  backbones(): Promise<string[]>
  /** The training presets with their defaults, for the Train form. */
  presets(): Promise<PresetDto[]>
  startTraining(req: TrainRequestDto): Promise<{ runId: number }>
  /** What "Train the best model" would choose for this project in the time given, with reasons. */
  autoPlan(req: RequestOf<'autoPlan'>): Promise<AutoPlanDto>
  /** Continues a cancelled, failed or crashed run from its last checkpoint. */
  resumeTraining(req: RequestOf<'resumeTraining'>): Promise<{ runId: number }>
  cancelTraining(): Promise<{ cancelled: boolean }>
  epochs(req: RequestOf<'epochs'>): Promise<EpochDto[]>
  evaluation(req: RequestOf<'evaluation'>): Promise<EvaluationDto>
  confusionCell(req: RequestOf<'confusionCell'>): Promise<CellImageDto[]>
  /**
   * Starts a model export (job 'export': job-progress events, cancelJob; the result comes as export-finished).
   * The run and the destination are checked first: a refusal is this request's error.
   */
  exportRun(req: RequestOf<'exportRun'>): Promise<{ started: true; dir: string; zip: string | null }>
  /** Class probabilities of a finished run for image files (sent as base64) or project images. */
  predict(req: RequestOf<'predict'>): Promise<PredictionDto[]>
  /** The data health report (computed incrementally; findings also filter Browse). */
  health(req: RequestOf<'health'>): Promise<HealthDto>
  /** Scores every project image with a finished run (job: job-progress / job-finished events, kind 'score'). */
  startScoring(req: RequestOf<'startScoring'>): Promise<{ started: true }>
  /** Cross-validated label check of every labeled image (job, kind 'label-check'). */
  startLabelCheck(req: RequestOf<'startLabelCheck'>): Promise<{ started: true }>
  cancelJob(req: RequestOf<'cancelJob'>): Promise<{ cancelled: boolean }>
  /** Exports images and labels as a dataset (job, kind 'export-data'); `dir` or `zip` is where it will be. */
  exportData(req: RequestOf<'exportData'>): Promise<{ started: true; dir: string | null; zip: string | null }>
  /** The latest label check's undecided suspects, most likely first. */
  suspects(req: RequestOf<'suspects'>): Promise<SuspectsDto>
  /** Accept the suggestion, keep the label (not suggested again by that backbone) or relabel; undoable. */
  decideSuspect(req: RequestOf<'decideSuspect'>): Promise<LabelChangeDto>
  /** Unlabeled images, most uncertain first, with the suggested label ("label next"). */
  labelQueue(req: RequestOf<'labelQueue'>): Promise<LabelQueueDto>
  /** Image attributes (stored and built in) with their values, for Browse and Evaluate's "By attribute". */
  attributes(): Promise<AttributeDto[]>
  /** Gives images one attribute value (a stored attribute; built-in names are refused). */
  setAttribute(req: RequestOf<'setAttribute'>): Promise<AttributeChangeDto>
  /** Removes one attribute from images. */
  clearAttribute(req: RequestOf<'clearAttribute'>): Promise<AttributeChangeDto>
  /** A run's metrics per value of one attribute (and one class's recall per value), worst first. */
  slices(req: RequestOf<'slices'>): Promise<SlicesDto>
  /** Grad-CAM of a finished run for one project image, for the predicted class or `className`. */
  explain(req: RequestOf<'explain'>): Promise<ExplanationDto>
  /** The open project's privacy settings and GPS counts. */
  settings(): Promise<SettingsDto>
  /** Changes privacy settings; with forgetStored, forgets stored source paths too (one transaction). */
  setSettings(req: RequestOf<'setSettings'>): Promise<SettingsDto>
  /**
   * Checks the database, every original's SHA-256 and the thumbnails, repairing what it can (job 'check':
   * job-progress events, cancelJob; the result, also of a cancelled check, comes as check-finished).
   */
  startCheck(): Promise<{ started: true }>
  /** Where a backup goes unless the user says otherwise: `<project>-backup-<date>.tar` beside the project. */
  backupTarget(): Promise<{ file: string; exists: boolean }>
  /**
   * Starts a backup (job 'backup'; the result comes as backup-finished). The path is checked first: an
   * existing file is refused unless `overwrite` (and then only an earlier Studio backup is replaced).
   */
  startBackup(req: RequestOf<'startBackup'>): Promise<{ started: true; file: string }>
}

/** Names of the requests, derived from the API so they cannot drift. */
export type StudioMethod = keyof StudioApi
/** Requests answered by the app session itself, with or without an open project. */
export type SessionMethod =
  | 'appInfo'
  | 'projects'
  | 'openProject'
  | 'createProject'
  | 'closeProject'
  | 'chooseFolder'
  | 'chooseSaveFile'
  | 'openFolder'
/** Requests about the open project (main/engine/service.ts). */
export type ProjectApi = Omit<StudioApi, SessionMethod>
export type ProjectMethod = Exclude<StudioMethod, SessionMethod>
type RequestMap = { [M in keyof RequestShapes]: z.infer<RequestShapes[M]> }
/** A request's payload, derived from its zod schema. */
export type RequestOf<M extends StudioMethod> = RequestMap[M]
export type ResponseOf<M extends StudioMethod> = Awaited<ReturnType<StudioApi[M]>>
/** One request's handler; its request and response types follow the method. */
export type Handler<M extends StudioMethod> = (req: RequestOf<M>) => Promise<ResponseOf<M>>
/**
 * The API as a mapped type over the methods, so that code generic over the method (dispatch, the
 * API builders) can call `handlers[method](request)` with types that follow the method.
 */
export type HandlersOf<K extends StudioMethod> = { [M in K]: Handler<M> }
export type StudioHandlers = HandlersOf<StudioMethod>

/** Engine → renderer events. */
export type StudioEvent =
  | {
      type: 'import-progress'
      done: number
      total: number
      imported: number
      duplicates: number
      errors: number
      current: string | null
      rate: number
    }
  | {
      type: 'import-finished'
      status: 'done' | 'cancelled' | 'failed'
      imported: number
      duplicates: number
      errors: number
      error: string | null
    }
  | { type: 'labels-changed' }
  /** The health report may have changed (import, labels, backfill progress): refetch it. */
  | { type: 'health-changed' }
  | { type: 'job-progress'; kind: JobKind; done: number; total: number; message: string | null }
  | { type: 'job-finished'; kind: JobKind; status: 'done' | 'cancelled' | 'failed'; error: string | null }
  | {
      type: 'train-batch'
      runId: number
      epoch: number
      batch: number
      batches: number
      loss: number
      accuracy: number
      imagesPerSec: number
      etaSeconds: number
    }
  | {
      type: 'train-epoch'
      runId: number
      epoch: number
      loss: number
      accuracy: number
      valLoss: number | null
      valAccuracy: number | null
      etaSeconds: number
    }
  | { type: 'train-status'; runId: number; status: string; message: string | null }
  | { type: 'export-finished'; runId: number; result: ExportDto }
  /** The check job's result (before its job-finished; `complete` false when it was cancelled). */
  | { type: 'check-finished'; result: CheckDto }
  /** The backup job's result (before its job-finished 'done'). */
  | { type: 'backup-finished'; result: BackupDto }
  /** Which path the run trains on and why (backend, data-parallel workers). */
  | {
      type: 'train-started'
      runId: number
      backend: string
      workers: number
      reason: string
      trainCount: number
      valCount: number
    }
