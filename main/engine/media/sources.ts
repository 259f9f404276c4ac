import type { LabelService } from '../labels/service'
import type { Store } from '../store'
import type { ScanItem } from './scan'

/**
 * Records every path an image was imported from, with the label that path gave (image_sources),
 * and settles conflicting duplicates: the same bytes under two class folders are one image, and
 * before, it kept whichever label came first while the other class silently got nothing.
 *
 * The choice made here: a conflicting image is **left unlabeled** — its label is cleared through
 * the label log, one undoable 'clear' action per write group — because training on either label
 * teaches the model a guess, and the user is the one who knows. Undo restores the first label.
 * The health report lists it as `conflicting-duplicate` with both labels until it is labeled again.
 * Every label a path gave gets its class, so a class whose only image was a conflict still exists
 * (and shows as an empty class) instead of vanishing.
 *
 * A label already recorded for the image (another path, or this path on an earlier import) is not
 * a new conflict: re-importing a folder never undoes a decision the user made since. A file first
 * seen without a label (flat folder) takes the first label another path gives it.
 */
export class SourceRecorder {
  private readonly toClear = new Set<number>()
  /** Duplicates that came with a label the image had not been imported with before. */
  conflicts = 0

  constructor(
    private readonly store: Store,
    private readonly labels: LabelService,
    private readonly batchId: number,
  ) {}

  /** A newly imported image: its first source, labeled with the class the writer gave it (or none). */
  imported(imageId: number, item: ScanItem, className: string | null): void {
    this.store.health.addSource(imageId, item.rel, this.batchId, className, item.origin)
  }

  /** The same bytes seen at another (or the same) path: record it and decide whether it conflicts. */
  duplicate(imageId: number, item: ScanItem, at: string): void {
    const { health } = this.store
    // Including this path's own earlier row: the same path with the same label is nothing new.
    const before = health.sourcesOf(imageId)
    // Sources are recorded with the class's own name, so 'Ants/' and 'ants/' are one label.
    const cls = item.label === null ? null : this.labels.ensureClass(item.label)
    health.addSource(imageId, item.rel, this.batchId, cls?.name ?? null, item.origin)
    if (!cls) return
    const key = (name: string) => name.toLowerCase()
    const known = new Set(before.flatMap((s) => (s.label === null ? [] : [key(s.label)])))
    const current = this.store.labels.labelOf(imageId) ?? null
    // The first label the file comes with (its first path had none): as if that path came first.
    if (!known.size && current === null && !this.toClear.has(imageId)) {
      this.labels.importLabel(imageId, cls.id, at)
      return
    }
    const differs = [...known].some((l) => l !== key(cls.name))
    if (!differs || known.has(key(cls.name))) return
    this.conflicts++
    if (current !== null && current !== cls.id) this.toClear.add(imageId)
  }

  /** Clears the labels of the conflicts found since the last call, as one undoable action. */
  finish(): void {
    if (!this.toClear.size) return
    this.labels.setLabels([...this.toClear], null)
    this.toClear.clear()
  }
}
