import { z } from 'zod'
import { FINDING_KINDS } from './constants'

export { ATTRIBUTE_TOP_VALUES, FINDING_KINDS } from './constants'

/**
 * The shape of every request payload: the one source. The contract (preload/contract.ts) derives
 * its request types from these with `z.infer`, the store derives its image query from `imageQuery`,
 * and `schemas.ts` validates with them at both transports. This file imports nothing but zod and
 * constants.ts so that the renderer's type check, which reaches it through the contract, stays free
 * of Node code.
 */

const id = z.number().int().positive()
const uncertaintyBy = z.enum(['margin', 'entropy', 'least-confidence'])
/** A file-system path. A NUL byte would reach Node's fs as a raw TypeError (a 500); refuse it here, named. */
const folder = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => !p.includes('\0'), 'a path cannot contain a NUL byte')
/** Requests without a payload accept nothing, null or `{}` (void: the argument may be left out). */
const none = z.void().or(z.null()).or(z.object({}).strict())
/** Names and values are checked, with their own messages, by attributes/attributes.ts. */
const attributeName = z.string().min(1).max(1000)
const imageIds = z.array(id).min(1).max(100_000)

export const imageQuery = z
  .object({
    /** Images labeled with any of these classes. With `unlabeled`, unlabeled images are included too. */
    classIds: z.array(id).max(1000).optional(),
    /** Only unlabeled images (or, with `classIds`, unlabeled ones in addition). */
    unlabeled: z.boolean().optional(),
    /** Origin tag from import, e.g. 'train'. `null` matches images with no origin. */
    origin: z.string().max(1000).nullable().optional(),
    /** Case-insensitive substring of the original file name or relative path. */
    search: z.string().max(1000).optional(),
    /** Images in this split of dataset version `versionId` (else of `runId`'s version). */
    split: z.enum(['train', 'val', 'test']).optional(),
    versionId: id.optional(),
    /**
     * A run as a lens: items carry its prediction; with any of the filters below, only images the
     * run predicted (its evaluation split) and that pass them. "Correct" compares with the image's
     * current label, so fixing a label takes the image out of the mistakes.
     */
    runId: id.optional(),
    predictedClassIds: z.array(id).max(1000).optional(),
    /** Prediction agrees (true) or disagrees (false) with the image's current label. */
    correct: z.boolean().optional(),
    minConfidence: z.number().min(0).max(1).optional(),
    maxConfidence: z.number().min(0).max(1).optional(),
    sort: z.enum(['imported', 'name', 'size']).optional(),
    order: z.enum(['asc', 'desc']).optional(),
    /** Page size, 1–1000; default 100. */
    limit: z.number().int().min(1).max(1000).optional(),
    /** Opaque cursor from the previous page's `nextCursor`. */
    cursor: z.string().max(2000).nullable().optional(),
    /** Rows to skip instead of a cursor: the grid fetches the page under the scroll position. */
    offset: z.number().int().min(0).optional(),
    /** false: skip counting the matches (`total` comes back null); the grid counts with its first page only. */
    count: z.boolean().optional(),
    /** Images of one finding kind of the last health report (e.g. 'near-duplicate'). */
    finding: z.enum(FINDING_KINDS).optional(),
    /** Undecided suspects of the latest fresh label check. */
    suspects: z.boolean().optional(),
    /**
     * Images by one attribute, stored or built in (`attributes` lists them): `value` as listed (for a
     * built-in e.g. 'dark', '#3', '(none)'); `value: null`, images without a value of a stored attribute;
     * `other: true` instead of a value, images whose value is not among the top ATTRIBUTE_TOP_VALUES.
     */
    attribute: z
      .object({
        name: attributeName,
        value: z.string().min(1).max(1000).nullable().optional(),
        other: z.literal(true).optional(),
      })
      .strict()
      .refine((a) => (a.value === undefined) === (a.other === true), 'give either a value (null: none) or other: true')
      .optional(),
  })
  .strict()

export const trainRequest = z
  .object({
    /** A preset name; the run-time schema (schemas.ts) narrows it to the engine's preset registry. */
    preset: z.string().max(100).optional(),
    backbone: z.string().max(200).optional(),
    inputSize: z.number().int().optional(),
    epochs: z.number().int().optional(),
    batchSize: z.number().int().optional(),
    learningRate: z.number().positive().optional(),
    augment: z.boolean().optional(),
    /** The recipe (engine: training/recipe.ts, augment.ts); ranges are checked there, naming the field. */
    cropPad: z.number().int().optional(),
    flip: z.boolean().optional(),
    dropout: z.object({ beforeDense: z.number(), afterDense: z.number() }).strict().optional(),
    labelSmoothing: z.number().optional(),
    schedule: z.enum(['constant', 'cosine', 'onecycle']).optional(),
    warmupEpochs: z.number().optional(),
    weightDecay: z.number().optional(),
    /** Seed CNN: convolutions zero-padded, counted from the last (0–3); absent: by input size. */
    samePadding: z.number().optional(),
    /** Seed CNN: batch normalization after each pooling. */
    batchNorm: z.boolean().optional(),
    /** The transfer recipe (engine: training/transfer-recipe.ts); ranges are checked there, naming the field. */
    featureAugment: z
      .object({ copies: z.number().int(), flip: z.boolean(), minCrop: z.number(), color: z.number() })
      .strict()
      .optional(),
    fineTune: z
      .object({ blocks: z.number().int(), epochs: z.number().int(), learningRate: z.number() })
      .strict()
      .optional(),
    /** Weight of the backbone's ImageNet class probabilities appended to its features; 0 = off. */
    classScores: z.number().optional(),
    /** Heads trained from different seeds and averaged; 1 = one. */
    heads: z.number().optional(),
    /** null: early stopping off. */
    patience: z.number().int().nullable().optional(),
    seed: z.number().int().min(0).optional(),
    fractions: z.object({ train: z.number(), val: z.number(), test: z.number() }).strict().optional(),
    useOriginSplits: z.boolean().optional(),
    /** After training (engine: evaluation/calibration.ts): mirror averaging and temperature scaling. */
    tta: z.enum(['auto', 'on', 'off']).optional(),
    calibration: z.enum(['auto', 'on', 'off']).optional(),
    /** "Train the best model": Auto plans the run for this budget (training/auto.ts); other fields given win. */
    auto: z
      .object({ budgetSeconds: z.number().positive().max(86_400) })
      .strict()
      .optional(),
  })
  .strict()

/** One entry per contract method (a compile-time check in schemas.ts keeps the two key sets equal). */
export const REQUESTS = {
  appInfo: none,
  projects: none,
  openProject: z.object({ path: folder }).strict(),
  createProject: z.object({ path: folder }).strict(),
  closeProject: none,
  chooseFolder: z.object({ title: z.string().max(200) }).strict(),
  /** `defaultPath`: the file the dialog proposes (backupTarget's). */
  chooseSaveFile: z.object({ title: z.string().max(200), defaultPath: folder.optional() }).strict(),
  openFolder: z.object({ path: folder }).strict(),
  facets: none,
  stats: none,
  images: imageQuery,
  classes: none,
  createClass: z.object({ name: z.string().max(1000), color: z.string().max(20).optional() }).strict(),
  renameClass: z.object({ classId: id, name: z.string().max(1000) }).strict(),
  mergeClass: z.object({ from: id, into: id }).strict(),
  deleteClass: z.object({ classId: id, mode: z.enum(['unlabel', 'merge']).optional(), into: id.optional() }).strict(),
  setLabels: z.object({ imageIds: z.array(id).min(1).max(100_000), classId: id.nullable() }).strict(),
  setClassColor: z.object({ classId: id, color: z.string().regex(/^#[0-9a-f]{6}$/i, 'a colour is #rrggbb') }).strict(),
  undo: none,
  redo: none,
  history: z.object({ imageId: id }).strict(),
  startImport: z.object({ source: folder, layout: z.enum(['auto', 'flat']).optional() }).strict(),
  cancelImport: none,
  importErrors: none,
  importSample: none,
  runs: none,
  backbones: none,
  presets: none,
  startTraining: trainRequest,
  autoPlan: z.object({ budgetSeconds: z.number().positive().max(86_400) }).strict(),
  resumeTraining: z.object({ runId: id }).strict(),
  cancelTraining: none,
  epochs: z.object({ runId: id }).strict(),
  /** `split`: another split than the one the run evaluated when it ended (needs the run's scores). */
  evaluation: z.object({ runId: id, split: z.enum(['train', 'val', 'test']).optional() }).strict(),
  confusionCell: z
    .object({
      runId: id,
      trueIndex: z.number().int().min(0),
      predIndex: z.number().int().min(0),
      split: z.enum(['train', 'val', 'test']).optional(),
    })
    .strict(),
  exportRun: z
    .object({
      runId: id,
      dir: folder,
      /** Model formats: TF.js (default), ONNX, Teachable Machine (tm/), or all of them. */
      format: z.enum(['tfjs', 'onnx', 'tm', 'all']).optional(),
      /** A float16 or uint8 copy of the TF.js model (tfjs-float16/ or tfjs-uint8/); none by default. */
      quantize: z.enum(['float16', 'uint8']).optional(),
    })
    .strict(),
  /** Files as base64 (the browser mode's body limit is 10 MB: the page sends a few at a time) or project images. */
  predict: z
    .object({
      runId: id,
      files: z
        .array(z.object({ name: z.string().max(1000), dataBase64: z.string().max(9_000_000) }).strict())
        .max(20)
        .optional(),
      imageIds: z.array(id).max(100).optional(),
    })
    .strict(),
  health: z
    .object({
      /** Dataset version for the split checks; default the latest. */
      versionId: id.optional(),
      /** Check leakage across the import's train/val/test folders (what a run with origin splits would use). */
      useOriginSplits: z.boolean().optional(),
    })
    .strict()
    .or(none),
  startScoring: z.object({ runId: id }).strict(),
  startLabelCheck: z
    .object({ backbone: z.string().max(200).optional() })
    .strict()
    .or(none),
  cancelJob: z
    .object({
      kind: z.enum(['score', 'label-check', 'backfill', 'feature-dups', 'export-data', 'export', 'check', 'backup']),
    })
    .strict(),
  /** A dataset export (export-data/options.ts says what each field means); runs as the 'export-data' job. */
  exportData: z
    .object({
      dir: folder,
      format: z.enum(['folders', 'csv', 'labelstudio', 'coco']).optional(),
      versionId: id.optional(),
      splits: z.enum(['folders', 'column']).optional(),
      originals: z.boolean().optional(),
      runId: id.optional(),
      zip: z.boolean().optional(),
    })
    .strict(),
  suspects: z
    .object({ limit: z.number().int().min(1).max(100_000).optional() })
    .strict()
    .or(none),
  decideSuspect: z
    .object({ imageId: id, decision: z.enum(['accept', 'keep', 'relabel']), classId: id.optional() })
    .strict(),
  attributes: none,
  setAttribute: z.object({ imageIds, name: attributeName, value: z.string().max(1000) }).strict(),
  clearAttribute: z.object({ imageIds, name: attributeName }).strict(),
  slices: z
    .object({ runId: id, attribute: z.string().min(1).max(64), className: z.string().max(1000).optional() })
    .strict(),
  /** A project image or an uploaded file (Try the model; as predict's files), exactly one. */
  explain: z
    .object({
      runId: id,
      imageId: id.optional(),
      file: z
        .object({ name: z.string().max(1000), dataBase64: z.string().max(9_000_000) })
        .strict()
        .optional(),
      className: z.string().max(1000).optional(),
      /** Also answer the overlay as a PNG at this heat-map opacity (Save PNG). */
      overlayOpacity: z.number().min(0).max(1).optional(),
    })
    .strict()
    .refine((r) => (r.imageId === undefined) !== (r.file === undefined), 'give exactly one of imageId and file'),
  labelQueue: z
    .object({ by: uncertaintyBy.optional(), limit: z.number().int().min(1).max(1000).optional() })
    .strict()
    .or(none),
  settings: none,
  /** Privacy settings (main/engine/privacy/settings.ts); forgetStored needs sourcePaths 'forget'. */
  setSettings: z
    .object({
      stripMetadata: z.enum(['keep', 'gps', 'all']).optional(),
      sourcePaths: z.enum(['keep', 'forget']).optional(),
      forgetStored: z.boolean().optional(),
    })
    .strict(),
  startCheck: none,
  backupTarget: none,
  /** `path`: the backup file, absolute (maintenance/backup.ts); `overwrite`: replace an earlier backup there. */
  startBackup: z.object({ path: folder, overwrite: z.boolean().optional() }).strict(),
}

export type RequestShapes = typeof REQUESTS
/** The browse query (`images`); the store's `PageRequest` is this less `count`. */
export type ImageQuery = z.infer<typeof imageQuery>
export type TrainRequest = z.infer<typeof trainRequest>
