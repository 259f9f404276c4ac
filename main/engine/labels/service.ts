import { ConflictError, NotFoundError, ValidationError } from '../errors'
import type { Db } from '../store/db'
import type { ClassRecord, ClassWithCount, HistoryEntry, LabelAction, LabelQueries } from '../store/labels'
import { plural } from '../plural'
import { nowIso } from '../util'
import { colorFor, normalizeClassName } from './classes'

export interface LabelChange {
  /** The action written to the log, or null when nothing changed. */
  actionId: number | null
  changed: number
}

export interface UndoResult extends LabelChange {
  /** Kind of the action that was undone or redone. */
  kind: LabelAction['kind']
}

export type DeleteClassMode = { mode: 'unlabel' } | { mode: 'merge'; into: string | number }

/**
 * Classes and labels. Every change is one transaction that writes the current labels and an
 * action with one event per image (old → new), so undo and redo can walk the log.
 */
export class LabelService {
  constructor(
    private readonly db: Db,
    private readonly q: LabelQueries,
  ) {}

  classes(): ClassWithCount[] {
    return this.q.liveClasses()
  }

  /** Finds a live class by id or name (case-insensitive). */
  findClass(ref: string | number): ClassRecord {
    let cls = typeof ref === 'number' ? this.q.classById(ref) : this.q.liveClassByName(ref.trim())
    if (!cls && typeof ref === 'string' && /^\d+$/.test(ref.trim())) cls = this.q.classById(Number(ref))
    if (!cls || cls.deletedAt) throw new NotFoundError(`class ${JSON.stringify(String(ref))} does not exist`)
    return cls
  }

  createClass(rawName: string, color?: string): ClassRecord {
    const name = normalizeClassName(rawName)
    return this.write(() => {
      if (this.q.liveClassByName(name)) throw new ConflictError(`class ${JSON.stringify(name)} already exists`)
      const id = this.q.insertClass(name, color ?? colorFor(this.q.classCount()), nowIso())
      return this.q.classById(id)!
    })
  }

  /** The class with this name, created when missing (import uses this). */
  ensureClass(rawName: string): ClassRecord {
    const name = normalizeClassName(rawName)
    return this.q.liveClassByName(name) ?? this.write(() => this.q.liveClassByName(name) ?? this.createClass(name))
  }

  renameClass(ref: string | number, rawName: string): ClassRecord {
    const name = normalizeClassName(rawName, 'new class name')
    return this.write(() => {
      const cls = this.findClass(ref)
      const other = this.q.liveClassByName(name)
      if (other && other.id !== cls.id) throw new ConflictError(`class ${JSON.stringify(name)} already exists`)
      this.q.renameClass(cls.id, name)
      return this.q.classById(cls.id)!
    })
  }

  setClassColor(ref: string | number, color: string): ClassRecord {
    if (!/^#[0-9a-f]{6}$/i.test(color)) throw new ValidationError(`color ${JSON.stringify(color)} is not #rrggbb`)
    return this.write(() => {
      const cls = this.findClass(ref)
      this.q.setClassColor(cls.id, color)
      return this.q.classById(cls.id)!
    })
  }

  /** Sets (or with `null` clears) the class of many images in one transaction. */
  setLabels(imageIds: readonly number[], classRef: string | number | null): LabelChange {
    return this.write(() => {
      const classId = classRef === null ? null : this.findClass(classRef).id
      const changes: [number, number | null][] = []
      for (const id of new Set(imageIds)) {
        const current = this.q.labelOf(id)
        if (current === undefined) throw new NotFoundError(`image ${id} does not exist`)
        if (current !== classId) changes.push([id, current])
      }
      if (!changes.length) return { actionId: null, changed: 0 }
      const at = nowIso()
      this.q.dropUndone()
      const actionId = this.q.insertAction({
        kind: classId === null ? 'clear' : 'set',
        state: 'done',
        targetId: null,
        classId: null,
        intoId: null,
        createdAt: at,
      })
      for (const [id, old] of changes) {
        this.q.setLabel(id, classId, at)
        this.q.insertEvent(actionId, id, old, classId, at)
      }
      return { actionId, changed: changes.length }
    })
  }

  /** Labels written by an import: logged, but not part of the undo stack. */
  importLabel(imageId: number, classId: number, at: string): void {
    const actionId = this.q.insertAction({
      kind: 'import',
      state: 'final',
      targetId: null,
      classId: null,
      intoId: null,
      createdAt: at,
    })
    this.q.setLabel(imageId, classId, at)
    this.q.insertEvent(actionId, imageId, null, classId, at)
  }

  /** Moves every image of `from` into `into` and removes `from`. */
  mergeClass(fromRef: string | number, intoRef: string | number): LabelChange {
    return this.write(() => {
      const from = this.findClass(fromRef)
      const into = this.findClass(intoRef)
      if (from.id === into.id) throw new ValidationError(`cannot merge class ${JSON.stringify(from.name)} into itself`)
      return this.removeClass(from, into.id, 'merge')
    })
  }

  /** Deletes a class. One with labeled images needs an explicit choice: unlabel them or merge them elsewhere. */
  deleteClass(ref: string | number, choice?: DeleteClassMode): LabelChange {
    return this.write(() => {
      const cls = this.findClass(ref)
      if (choice?.mode === 'merge') return this.mergeClass(cls.id, choice.into)
      const count = this.q.imagesOfClass(cls.id).length
      if (count > 0 && choice?.mode !== 'unlabel') {
        const them = count === 1 ? 'it' : 'them'
        throw new ConflictError(
          `class ${JSON.stringify(cls.name)} has ${plural(count, 'labeled image')}: ` +
            `choose to unlabel ${them} or merge ${them} into another class`,
        )
      }
      return this.removeClass(cls, null, 'delete-class')
    })
  }

  private removeClass(cls: ClassRecord, intoId: number | null, kind: 'merge' | 'delete-class'): LabelChange {
    const at = nowIso()
    const ids = this.q.imagesOfClass(cls.id)
    this.q.dropUndone()
    const actionId = this.q.insertAction({
      kind,
      state: 'done',
      targetId: null,
      classId: cls.id,
      intoId,
      createdAt: at,
    })
    for (const id of ids) {
      this.q.setLabel(id, intoId, at)
      this.q.insertEvent(actionId, id, cls.id, intoId, at)
    }
    this.q.setClassDeleted(cls.id, at)
    return { actionId, changed: ids.length }
  }

  /** Reverts the latest done action; null when there is nothing to undo. */
  undo(): UndoResult | null {
    return this.write(() => {
      const target = this.q.lastDone()
      if (!target) return null
      const at = nowIso()
      if (target.classId !== null) this.restoreClass(target.classId)
      const actionId = this.q.insertAction({
        kind: 'undo',
        state: 'final',
        targetId: target.id,
        classId: null,
        intoId: null,
        createdAt: at,
      })
      const events = this.q.eventsOf(target.id).reverse()
      for (const e of events) {
        this.q.setLabel(e.imageId, e.oldClassId, at)
        this.q.insertEvent(actionId, e.imageId, e.newClassId, e.oldClassId, at)
      }
      this.q.setActionState(target.id, 'undone')
      return { actionId, changed: events.length, kind: target.kind }
    })
  }

  /** Re-applies the most recently undone action; null when there is nothing to redo. */
  redo(): UndoResult | null {
    return this.write(() => {
      const target = this.q.firstUndone()
      if (!target) return null
      const at = nowIso()
      const actionId = this.q.insertAction({
        kind: 'redo',
        state: 'final',
        targetId: target.id,
        classId: null,
        intoId: null,
        createdAt: at,
      })
      const events = this.q.eventsOf(target.id)
      for (const e of events) {
        this.q.setLabel(e.imageId, e.newClassId, at)
        this.q.insertEvent(actionId, e.imageId, e.oldClassId, e.newClassId, at)
      }
      if (target.classId !== null) this.q.setClassDeleted(target.classId, at)
      this.q.setActionState(target.id, 'done')
      return { actionId, changed: events.length, kind: target.kind }
    })
  }

  history(imageId: number): HistoryEntry[] {
    return this.q.history(imageId)
  }

  unlabeledCount(): number {
    return this.q.unlabeledCount()
  }

  /**
   * One write transaction, begun IMMEDIATE: a deferred one that has read cannot wait for another
   * connection's write lock (SQLite returns "database is locked" at once instead of using the busy
   * timeout), so every read-then-write here takes the write lock first. Nested calls are savepoints.
   */
  private write<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate()
  }

  private restoreClass(id: number): void {
    const cls = this.q.classById(id)!
    const clash = this.q.liveClassByName(cls.name)
    if (clash && clash.id !== id) {
      throw new ConflictError(`cannot undo: a new class named ${JSON.stringify(cls.name)} exists; rename it first`)
    }
    this.q.setClassDeleted(id, null)
  }
}
