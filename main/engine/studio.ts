import { LabelService } from './labels/service'
import { originalPath } from './media/formats'
import type { ImportOptions, ImportSummary } from './media/importer'
import { NotFoundError } from './errors'
import {
  createStore,
  initProject,
  openProject,
  type ImageRecord,
  type ImportErrorRecord,
  type Project,
  type Store,
} from './store'

export interface ProjectStats {
  images: number
  /** Labeled image count per live class, in class order. */
  classes: Record<string, number>
  unlabeled: number
  /** Import errors recorded over all imports. */
  errors: number
  /** Files skipped over all imports because their content was already in the project. */
  duplicates: number
}

export interface OpenOptions {
  /** better-sqlite3 build for the running runtime (the Electron shell passes its own). */
  nativeBinding?: string
}

/**
 * The engine facade: one open project and every operation on it. The CLI, the browser-mode server
 * and the Electron shell all drive the engine through this class.
 */
export class Studio {
  readonly store: Store
  readonly labels: LabelService

  private constructor(
    readonly project: Project,
    /** How it was opened; the training process opens the project the same way. */
    readonly openOptions: OpenOptions = {},
  ) {
    this.store = createStore(project.db)
    this.labels = new LabelService(project.db, this.store.labels)
  }

  static init(dir: string, opts: OpenOptions = {}): Studio {
    return new Studio(initProject(dir, opts), opts)
  }

  static open(dir: string, opts: OpenOptions = {}): Studio {
    return new Studio(openProject(dir, opts), opts)
  }

  get root(): string {
    return this.project.paths.root
  }

  // The importer and thumbnails (sharp) load on first use: commands that only read or label start without them.
  async import(source: string, opts: ImportOptions = {}): Promise<ImportSummary> {
    const { importSource } = await import('./media/importer')
    return importSource({ store: this.store, labels: this.labels, paths: this.project.paths }, source, opts)
  }

  stats(): ProjectStats {
    const counts = this.store.imports.counts()
    return {
      images: this.store.images.total(),
      classes: Object.fromEntries(this.labels.classes().map((c) => [c.name, c.count])),
      unlabeled: this.labels.unlabeledCount(),
      errors: this.store.imports.errorCount(),
      duplicates: counts.duplicates,
    }
  }

  importErrors(batchId?: number): ImportErrorRecord[] {
    return this.store.imports.errors(batchId)
  }

  image(ref: string | number): ImageRecord {
    const img = typeof ref === 'number' ? this.store.images.get(ref) : this.store.images.resolve(ref)
    if (!img) throw new NotFoundError(`image ${JSON.stringify(String(ref))} does not exist`)
    return img
  }

  originalPath(img: ImageRecord): string {
    return originalPath(this.project.paths, img)
  }

  async thumbnailPath(img: ImageRecord): Promise<string> {
    const { ensureThumbnail } = await import('./media/thumbnails')
    return ensureThumbnail(this.project.paths, img)
  }

  close(): void {
    this.project.close()
  }
}
