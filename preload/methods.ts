import type { Handler, HandlersOf, ProjectMethod, SessionMethod, StudioApi, StudioMethod } from './contract'

/**
 * The request names at run time, for the preload bridge, the IPC binding, the HTTP server and
 * client, each with the side that answers it. Written as a record over StudioMethod whose values
 * the type fixes, so a request added to the contract and not here (or put on the wrong side) fails
 * to compile.
 */
const SIDE: { [M in StudioMethod]: M extends SessionMethod ? 'session' : 'project' } = {
  appInfo: 'session',
  projects: 'session',
  openProject: 'session',
  createProject: 'session',
  closeProject: 'session',
  chooseFolder: 'session',
  chooseSaveFile: 'session',
  openFolder: 'session',
  facets: 'project',
  stats: 'project',
  images: 'project',
  classes: 'project',
  createClass: 'project',
  renameClass: 'project',
  mergeClass: 'project',
  deleteClass: 'project',
  setLabels: 'project',
  setClassColor: 'project',
  undo: 'project',
  redo: 'project',
  history: 'project',
  startImport: 'project',
  cancelImport: 'project',
  importErrors: 'project',
  importSample: 'project',
  runs: 'project',
  backbones: 'project',
  presets: 'project',
  startTraining: 'project',
  autoPlan: 'project',
  resumeTraining: 'project',
  cancelTraining: 'project',
  epochs: 'project',
  evaluation: 'project',
  confusionCell: 'project',
  exportRun: 'project',
  predict: 'project',
  health: 'project',
  startScoring: 'project',
  startLabelCheck: 'project',
  cancelJob: 'project',
  exportData: 'project',
  suspects: 'project',
  decideSuspect: 'project',
  labelQueue: 'project',
  explain: 'project',
  attributes: 'project',
  setAttribute: 'project',
  clearAttribute: 'project',
  slices: 'project',
  settings: 'project',
  setSettings: 'project',
  startCheck: 'project',
  backupTarget: 'project',
  startBackup: 'project',
}

export function isStudioMethod(name: string): name is StudioMethod {
  return Object.hasOwn(SIDE, name)
}

export const STUDIO_METHODS: readonly StudioMethod[] = Object.keys(SIDE).filter(isStudioMethod)
/** The requests about the open project (answered by main/engine/service.ts). */
export const PROJECT_METHODS: readonly ProjectMethod[] = STUDIO_METHODS.filter(
  (m): m is ProjectMethod => SIDE[m] === 'project',
)

/**
 * Builds an object with one handler per method in `methods`, each made by `make`, which is typed
 * per method (request and response follow it). The preload bridge, the renderer's HTTP client and
 * the session's forwarding to the open project all build their API with this.
 */
export function buildHandlers<K extends StudioMethod>(
  methods: readonly K[],
  make: <M extends K>(method: M) => Handler<M>,
): HandlersOf<K> {
  const out: Partial<HandlersOf<K>> = {}
  const put = <M extends K>(m: M) => {
    out[m] = make(m)
  }
  methods.forEach(put)
  if (!hasAll(out, methods)) throw new Error('unreachable: a handler was not made')
  return out
}

function hasAll<K extends StudioMethod>(o: Partial<HandlersOf<K>>, methods: readonly K[]): o is HandlersOf<K> {
  return methods.every((m) => typeof o[m] === 'function')
}

/** The whole API from one handler maker (preload bridge, HTTP client). */
export function buildApi(make: <M extends StudioMethod>(method: M) => Handler<M>): StudioApi {
  return buildHandlers(STUDIO_METHODS, make)
}
