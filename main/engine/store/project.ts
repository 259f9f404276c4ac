import fs from 'node:fs'
import path from 'node:path'
import { ConflictError, NotAProjectError, ValidationError } from '../errors'
import { openDatabase, type Db, type OpenDbOptions } from './db'

export const DB_FILE = 'studio.db'

/** Folders of a project on disk; a project is one folder a user can copy. */
export interface ProjectPaths {
  root: string
  db: string
  media: string
  thumbs: string
  cache: string
  runs: string
  /** Scratch space for atomic writes; emptied at the start of each import. */
  tmp: string
}

export interface Project {
  paths: ProjectPaths
  db: Db
  close(): void
}

export function projectPaths(dir: string): ProjectPaths {
  const root = path.resolve(dir)
  return {
    root,
    db: path.join(root, DB_FILE),
    media: path.join(root, 'media'),
    thumbs: path.join(root, 'thumbs'),
    cache: path.join(root, 'cache'),
    runs: path.join(root, 'runs'),
    tmp: path.join(root, 'tmp'),
  }
}

/** Creates a new project folder (or turns an existing empty-of-projects folder into one). */
export function initProject(dir: string, opts: Omit<OpenDbOptions, 'create'> = {}): Project {
  const paths = projectPaths(dir)
  if (fs.existsSync(paths.root) && !fs.statSync(paths.root).isDirectory()) {
    throw new ConflictError(`${paths.root} exists and is not a folder`)
  }
  if (fs.existsSync(paths.db)) throw new ConflictError(`${paths.root} is already a Studio project`)
  createFolder(paths.root)
  for (const d of [paths.media, paths.thumbs]) fs.mkdirSync(d, { recursive: true })
  return wrap(paths, openDatabase(paths.db, { ...opts, create: true }))
}

/**
 * Creates `dir` and its missing parents one level at a time. Node's recursive mkdir spins forever
 * on a file system that refuses (`/proc/forbidden/x`), which hung the process answering
 * createProject; a level that cannot be made is a ValidationError naming it.
 */
function createFolder(dir: string): void {
  const missing: string[] = []
  for (let cur = dir; !fs.existsSync(cur); cur = path.dirname(cur)) {
    missing.unshift(cur)
    if (path.dirname(cur) === cur) break
  }
  for (const d of missing) {
    try {
      fs.mkdirSync(d)
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error'
      throw new ValidationError(`cannot create ${d} (${code}); choose a folder where files can be written`)
    }
  }
}

/** Opens an existing project; writes nothing when the folder is not one. */
export function openProject(dir: string, opts: Omit<OpenDbOptions, 'create'> = {}): Project {
  const paths = projectPaths(dir)
  if (!fs.existsSync(paths.root)) throw new NotAProjectError(`Project folder ${paths.root} does not exist`)
  if (!fs.existsSync(paths.db)) {
    throw new NotAProjectError(
      `${paths.root} is not a Studio project (no ${DB_FILE}); create one with \`studio init ${dir}\``,
    )
  }
  const db = openDatabase(paths.db, opts)
  if (!opts.readonly) for (const d of [paths.media, paths.thumbs]) fs.mkdirSync(d, { recursive: true })
  return wrap(paths, db)
}

function wrap(paths: ProjectPaths, db: Db): Project {
  return {
    paths,
    db,
    close: () => {
      if (db.open) db.close()
    },
  }
}
