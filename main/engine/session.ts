import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type {
  AppInfo,
  Handler,
  HandlersOf,
  ProjectMethod,
  ProjectsDto,
  SessionMethod,
  StudioApi,
  StudioEvent,
} from '../../preload/contract'
import { buildHandlers, PROJECT_METHODS } from '../../preload/methods'
import { ConflictError, NoProjectError } from './errors'
import { acquireLock } from './lock'
import { StudioService } from './service'
import { Studio, type OpenOptions } from './studio'
import { STUDIO_VERSION } from './version'

export interface SessionOptions {
  shell: AppInfo['shell']
  onEvent: (e: StudioEvent) => void
  /** Where recent projects are remembered; default `$STUDIO_HOME/recent-projects.json` (STUDIO_HOME: ~/.studio). */
  recentFile?: string
  /** Folder of pretrained backbones (setting); null: STUDIO_MODELS_DIR or ~/.studio/models. */
  modelsDir?: string | null
  openOptions?: OpenOptions
  /** A native folder dialog, where the shell has one. */
  chooseFolder?: (title: string) => Promise<string | null>
  /** A native save dialog (it confirms replacing a file), where the shell has one. */
  chooseSaveFile?: (title: string, defaultPath: string | undefined) => Promise<string | null>
  /** Shows a folder in the file manager, where the shell can. */
  openFolder?: (dir: string) => Promise<boolean>
}

const RECENT_MAX = 10
export const APP_LOCK = 'app.lock'

export function studioHome(): string {
  return path.resolve(process.env.STUDIO_HOME ?? path.join(os.homedir(), '.studio'))
}

/**
 * One app window's session: which project is open (at most one), the recent list, and the
 * contract as a whole. Session requests (projects, open, create, close, folder dialog) are answered
 * here; every other request goes to the open project's StudioService, or fails with NoProjectError.
 * An open project is locked (`app.lock`) so a second window or browser-mode server cannot open it too.
 */
export class AppSession {
  private current: { studio: Studio; service: StudioService; unlock: () => void } | null = null
  /** The whole contract, for the IPC binding and the HTTP server. */
  readonly api: StudioApi

  constructor(private readonly opts: SessionOptions) {
    const own: Pick<StudioApi, SessionMethod> = {
      appInfo: async () => this.info(),
      projects: async () => this.projects(),
      openProject: async (req) => (this.open(req.path), this.info()),
      createProject: async (req) => (this.open(req.path, true), this.info()),
      closeProject: async () => ({ closed: this.close() }),
      chooseFolder: async (req) => (this.opts.chooseFolder ? this.opts.chooseFolder(req.title) : null),
      chooseSaveFile: async (req) =>
        this.opts.chooseSaveFile ? this.opts.chooseSaveFile(req.title, req.defaultPath) : null,
      openFolder: async (req) => ({ opened: this.opts.openFolder ? await this.opts.openFolder(req.path) : false }),
    }
    // Every project request goes to the open project's service at call time (or NoProjectError).
    const forward =
      <M extends ProjectMethod>(m: M): Handler<M> =>
      (req) =>
        this.project().then((service) => service[m](req))
    const project = buildHandlers(PROJECT_METHODS, forward)
    this.api = { ...own, ...project }
  }

  /** The open project, or null. */
  get studio(): Studio | null {
    return this.current?.studio ?? null
  }

  info(): AppInfo {
    return { version: STUDIO_VERSION, shell: this.opts.shell, project: this.current?.studio.root ?? null }
  }

  /** Opens (or with `create`, creates) the project in `dir`, closing the one open before. */
  open(dir: string, create = false): Studio {
    const busy = this.current?.service.busy()
    if (busy) throw new ConflictError(`cannot switch projects while ${busy}; cancel it or wait for it to finish`)
    const target = path.resolve(dir)
    if (this.current?.studio.root === target && !create) return this.current.studio
    const studio = create ? Studio.init(target, this.opts.openOptions) : Studio.open(target, this.opts.openOptions)
    let unlock: () => void
    try {
      unlock = acquireLock(studio.root, APP_LOCK, 'another Studio window')
    } catch (err) {
      studio.close()
      throw err
    }
    this.close()
    const service = new StudioService(studio, this.opts.onEvent, this.opts.modelsDir ?? null)
    this.current = { studio, service, unlock }
    this.remember(studio.root)
    return studio
  }

  /** Closes the open project; false when none was open. `force` (quitting) cancels running work first. */
  close(force = false): boolean {
    if (!this.current) return false
    if (force) this.current.service.cancelAll()
    const busy = force ? null : this.current.service.busy()
    if (busy) throw new ConflictError(`cannot close the project while ${busy}`)
    this.current.studio.close()
    this.current.unlock()
    this.current = null
    return true
  }

  projects(): ProjectsDto {
    return {
      current: this.current?.studio.root ?? null,
      recent: this.recent().map((p) => ({
        path: p,
        name: path.basename(p),
        exists: fs.existsSync(path.join(p, 'studio.db')),
      })),
      canChooseFolder: Boolean(this.opts.chooseFolder),
    }
  }

  /** The open project's requests; rejects (rather than throws) when none is open, as a request should. */
  private async project(): Promise<HandlersOf<ProjectMethod>> {
    return this.service()
  }

  private service(): StudioService {
    if (!this.current) throw new NoProjectError('no project is open: open or create one in Projects')
    return this.current.service
  }

  private get recentFile(): string {
    return this.opts.recentFile ?? path.join(studioHome(), 'recent-projects.json')
  }

  private recent(): string[] {
    try {
      const list = JSON.parse(fs.readFileSync(this.recentFile, 'utf8')) as unknown
      return Array.isArray(list) ? list.filter((p): p is string => typeof p === 'string') : []
    } catch {
      return []
    }
  }

  private remember(dir: string): void {
    try {
      fs.mkdirSync(path.dirname(this.recentFile), { recursive: true })
      fs.writeFileSync(
        this.recentFile,
        JSON.stringify([dir, ...this.recent().filter((p) => p !== dir)].slice(0, RECENT_MAX), null, 1),
      )
    } catch {
      // The recent list is a convenience: a read-only home must not stop a project from opening.
    }
  }
}
