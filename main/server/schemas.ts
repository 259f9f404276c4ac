import { z } from 'zod'
import type { StudioMethod } from '../../preload/contract'
import { PRESET_NAMES } from '../engine/training/presets'

const id = z.number().int().positive()
const folder = z.string().min(1).max(4096)
const none = z.undefined().or(z.null()).or(z.object({}).strict())

/**
 * Run-time checks of every request payload, one per contract method. The IPC binding and the
 * browser-mode server both refuse a payload that fails here, naming the field.
 */
export const REQUEST_SCHEMAS: Record<StudioMethod, z.ZodType> = {
  appInfo: none,
  projects: none,
  openProject: z.object({ path: folder }).strict(),
  createProject: z.object({ path: folder }).strict(),
  closeProject: none,
  chooseFolder: z.object({ title: z.string().max(200) }).strict(),
  openFolder: z.object({ path: folder }).strict(),
  facets: none,
  stats: none,
  images: z
    .object({
      classIds: z.array(id).max(1000).optional(),
      unlabeled: z.boolean().optional(),
      origin: z.string().max(1000).nullable().optional(),
      search: z.string().max(1000).optional(),
      split: z.enum(['train', 'val', 'test']).optional(),
      versionId: id.optional(),
      runId: id.optional(),
      predictedClassIds: z.array(id).max(1000).optional(),
      correct: z.boolean().optional(),
      minConfidence: z.number().min(0).max(1).optional(),
      maxConfidence: z.number().min(0).max(1).optional(),
      offset: z.number().int().min(0).optional(),
      count: z.boolean().optional(),
      sort: z.enum(['imported', 'name', 'size']).optional(),
      order: z.enum(['asc', 'desc']).optional(),
      limit: z.number().int().min(1).max(1000).optional(),
      cursor: z.string().max(2000).nullable().optional(),
    })
    .strict(),
  classes: none,
  createClass: z.object({ name: z.string().max(1000), color: z.string().max(20).optional() }).strict(),
  renameClass: z.object({ classId: id, name: z.string().max(1000) }).strict(),
  mergeClass: z.object({ from: id, into: id }).strict(),
  deleteClass: z.object({ classId: id, mode: z.enum(['unlabel', 'merge']).optional(), into: id.optional() }).strict(),
  setLabels: z.object({ imageIds: z.array(id).min(1).max(100_000), classId: id.nullable() }).strict(),
  undo: none,
  redo: none,
  history: z.object({ imageId: id }).strict(),
  startImport: z.object({ source: folder, layout: z.enum(['auto', 'flat']).optional() }).strict(),
  cancelImport: none,
  importErrors: none,
  runs: none,
  backbones: none,
  presets: none,
  startTraining: z
    .object({
      preset: z.enum(PRESET_NAMES).optional(),
      backbone: z.string().max(200).optional(),
      inputSize: z.number().int().optional(),
      epochs: z.number().int().optional(),
      batchSize: z.number().int().optional(),
      learningRate: z.number().positive().optional(),
      augment: z.boolean().optional(),
      patience: z.number().int().nullable().optional(),
      seed: z.number().int().min(0).optional(),
      fractions: z.object({ train: z.number(), val: z.number(), test: z.number() }).strict().optional(),
      useOriginSplits: z.boolean().optional(),
    })
    .strict(),
  cancelTraining: none,
  epochs: z.object({ runId: id }).strict(),
  evaluation: z.object({ runId: id }).strict(),
  confusionCell: z.object({ runId: id, trueIndex: z.number().int().min(0), predIndex: z.number().int().min(0) }).strict(),
  exportRun: z.object({ runId: id, dir: folder }).strict(),
}

/** One line naming the first bad field, e.g. `setLabels: imageIds.0: expected number, received string`. */
export function describeIssue(method: string, err: z.ZodError): string {
  const first = err.issues[0]
  return `${method}: ${first?.path.length ? first.path.join('.') + ': ' : ''}${first?.message ?? 'invalid payload'}`
}
