import type { StudioMethod } from './contract'

/**
 * The request names at run time, for the preload bridge, the IPC binding and the HTTP client.
 * Written as a record over StudioMethod so that adding a request to the contract without listing it
 * here fails to compile.
 */
const ALL: Record<StudioMethod, true> = {
  appInfo: true, projects: true, openProject: true, createProject: true, closeProject: true, chooseFolder: true, openFolder: true, facets: true,
  stats: true, images: true, classes: true, createClass: true, renameClass: true, mergeClass: true,
  deleteClass: true, setLabels: true, undo: true, redo: true, history: true, startImport: true, cancelImport: true,
  importErrors: true, runs: true, backbones: true, presets: true, startTraining: true, cancelTraining: true, epochs: true, evaluation: true,
  confusionCell: true, exportRun: true,
}

export const STUDIO_METHODS = Object.keys(ALL) as StudioMethod[]
