/**
 * THE contract between the renderer and the engine, type-only. Main (IPC), the browser-mode server
 * and the renderer import it with `import type`; payloads are validated at run time on the engine
 * side (main/server/schemas.ts). Errors cross as {name, message}.
 */

export interface AppInfo {
  version: string
  /** Where the renderer runs: inside Electron or in a browser against `studio serve`. */
  shell: 'electron' | 'browser'
  project: string
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
}

export interface ImageQueryDto {
  classIds?: number[]
  unlabeled?: boolean
  origin?: string | null
  search?: string
  sort?: 'imported' | 'name' | 'size'
  order?: 'asc' | 'desc'
  limit?: number
  cursor?: string | null
}

export interface ImagePageDto {
  items: ImageDto[]
  nextCursor: string | null
  total: number
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
  valAccuracy: number | null
  testAccuracy: number | null
  macroF1: number | null
}

export interface TrainRequestDto {
  preset?: 'seed-cnn' | 'transfer'
  backbone?: string
  inputSize?: number
  epochs?: number
  batchSize?: number
  learningRate?: number
  augment?: boolean
  patience?: number | null
  seed?: number
  fractions?: { train: number; val: number; test: number }
  useOriginSplits?: boolean
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
  mistakes: { image: number; path: string; true: string; predicted: string; confidence: number }[]
}

export interface CellImageDto {
  image: number
  hash: string
  path: string
  confidence: number
  className: string | null
}

export interface EpochDto {
  epoch: number
  loss: number | null
  accuracy: number | null
  valLoss: number | null
  valAccuracy: number | null
}

/** Requests; each resolves to its response or rejects with {name, message}. */
export interface StudioApi {
  appInfo(): Promise<AppInfo>
  stats(): Promise<ProjectStatsDto>
  images(query: ImageQueryDto): Promise<ImagePageDto>
  classes(): Promise<ClassDto[]>
  createClass(req: { name: string; color?: string }): Promise<ClassDto>
  renameClass(req: { classId: number; name: string }): Promise<ClassDto>
  mergeClass(req: { from: number; into: number }): Promise<LabelChangeDto>
  deleteClass(req: { classId: number; mode?: 'unlabel' | 'merge'; into?: number }): Promise<LabelChangeDto>
  setLabels(req: { imageIds: number[]; classId: number | null }): Promise<LabelChangeDto>
  undo(): Promise<LabelChangeDto | null>
  redo(): Promise<LabelChangeDto | null>
  history(req: { imageId: number }): Promise<HistoryDto[]>
  startImport(req: { source: string; layout?: 'auto' | 'flat' }): Promise<{ started: true }>
  cancelImport(): Promise<{ cancelled: boolean }>
  importErrors(): Promise<ImportErrorDto[]>
  runs(): Promise<RunDto[]>
  backbones(): Promise<string[]>
  startTraining(req: TrainRequestDto): Promise<{ runId: number }>
  cancelTraining(): Promise<{ cancelled: boolean }>
  epochs(req: { runId: number }): Promise<EpochDto[]>
  evaluation(req: { runId: number }): Promise<EvaluationDto>
  confusionCell(req: { runId: number; trueIndex: number; predIndex: number }): Promise<CellImageDto[]>
  exportRun(req: { runId: number; dir: string }): Promise<{ dir: string; zip: string | null; files: string[]; modelCard: string }>
}

/** Names of the requests, derived from the API so they cannot drift. */
export type StudioMethod = keyof StudioApi
export type RequestOf<M extends StudioMethod> = Parameters<StudioApi[M]>[0]
export type ResponseOf<M extends StudioMethod> = Awaited<ReturnType<StudioApi[M]>>

/** Engine → renderer events. */
export type StudioEvent =
  | { type: 'import-progress'; done: number; total: number; imported: number; duplicates: number; errors: number; current: string | null; rate: number }
  | { type: 'import-finished'; status: 'done' | 'cancelled' | 'failed'; imported: number; duplicates: number; errors: number; error: string | null }
  | { type: 'labels-changed' }
  | { type: 'train-batch'; runId: number; epoch: number; batch: number; batches: number; loss: number; accuracy: number; imagesPerSec: number; etaSeconds: number }
  | { type: 'train-epoch'; runId: number; epoch: number; loss: number; accuracy: number; valLoss: number | null; valAccuracy: number | null; etaSeconds: number }
  | { type: 'train-status'; runId: number; status: string; message: string | null }
