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
