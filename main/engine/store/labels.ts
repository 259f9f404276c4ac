import { statementCache, type Db, type Sql } from './db'

export interface ClassRecord {
  id: number
  name: string
  color: string
  createdAt: string
  deletedAt: string | null
}

export interface ClassWithCount extends ClassRecord {
  count: number
}

export type ActionKind = 'import' | 'set' | 'clear' | 'merge' | 'delete-class' | 'undo' | 'redo'
export type ActionState = 'done' | 'undone' | 'dropped' | 'final'

export interface LabelAction {
  id: number
  kind: ActionKind
  state: ActionState
  targetId: number | null
  classId: number | null
  intoId: number | null
  createdAt: string
}

export interface LabelEvent {
  id: number
  actionId: number
  imageId: number
  oldClassId: number | null
  newClassId: number | null
  createdAt: string
}

export interface HistoryEntry extends LabelEvent {
  kind: ActionKind
  oldClass: string | null
  newClass: string | null
}

/** Actions the user can undo; 'import' labels and the undo/redo records themselves are final. */
export const UNDOABLE: readonly ActionKind[] = ['set', 'clear', 'merge', 'delete-class']

const CLASS_COLS = 'id, name, color, created_at AS createdAt, deleted_at AS deletedAt'
const ACTION_COLS =
  'id, kind, state, target_id AS targetId, class_id AS classId, into_id AS intoId, created_at AS createdAt'
const EVENT_COLS =
  'id, action_id AS actionId, image_id AS imageId, old_class_id AS oldClassId, new_class_id AS newClassId, created_at AS createdAt'

export class LabelQueries {
  private readonly sql: Sql

  constructor(db: Db) {
    this.sql = statementCache(db)
  }

  // ---- classes ----
  liveClasses(): ClassWithCount[] {
    return this.sql(
      `SELECT c.id, c.name, c.color, c.created_at AS createdAt, c.deleted_at AS deletedAt,
        (SELECT count(*) FROM images i WHERE i.class_id = c.id) AS count
        FROM classes c WHERE c.deleted_at IS NULL ORDER BY c.id`,
    ).all() as ClassWithCount[]
  }

  classById(id: number): ClassRecord | undefined {
    return this.sql(`SELECT ${CLASS_COLS} FROM classes WHERE id = ?`).get(id) as ClassRecord | undefined
  }

  liveClassByName(name: string): ClassRecord | undefined {
    return this.sql(`SELECT ${CLASS_COLS} FROM classes WHERE name = ? COLLATE NOCASE AND deleted_at IS NULL`).get(
      name,
    ) as ClassRecord | undefined
  }

  /** Number of classes ever created, used to pick the next colour. */
  classCount(): number {
    return (this.sql('SELECT count(*) AS n FROM classes').get() as { n: number }).n
  }

  insertClass(name: string, color: string, at: string): number {
    return Number(
      this.sql('INSERT INTO classes (name, color, created_at) VALUES (?, ?, ?)').run(name, color, at).lastInsertRowid,
    )
  }

  renameClass(id: number, name: string): void {
    this.sql('UPDATE classes SET name = ? WHERE id = ?').run(name, id)
  }

  setClassColor(id: number, color: string): void {
    this.sql('UPDATE classes SET color = ? WHERE id = ?').run(color, id)
  }

  setClassDeleted(id: number, at: string | null): void {
    this.sql('UPDATE classes SET deleted_at = ? WHERE id = ?').run(at, id)
  }

  // ---- labels ----
  labelOf(imageId: number): number | null | undefined {
    const row = this.sql('SELECT class_id AS classId FROM images WHERE id = ?').get(imageId) as
      { classId: number | null } | undefined
    return row ? row.classId : undefined
  }

  setLabel(imageId: number, classId: number | null, at: string): void {
    this.sql('UPDATE images SET class_id = ?, labeled_at = ? WHERE id = ?').run(classId, at, imageId)
  }

  imagesOfClass(classId: number): number[] {
    return (
      this.sql('SELECT id FROM images WHERE class_id = ? ORDER BY id').all(classId) as {
        id: number
      }[]
    ).map((r) => r.id)
  }

  unlabeledCount(): number {
    return (this.sql('SELECT count(*) AS n FROM images WHERE class_id IS NULL').get() as { n: number }).n
  }

  // ---- the action / event log ----
  insertAction(a: Omit<LabelAction, 'id'>): number {
    return Number(
      this.sql(
        `INSERT INTO label_actions (kind, state, target_id, class_id, into_id, created_at)
          VALUES (@kind, @state, @targetId, @classId, @intoId, @createdAt)`,
      ).run(a).lastInsertRowid,
    )
  }

  insertEvent(actionId: number, imageId: number, oldId: number | null, newId: number | null, at: string): void {
    this.sql(
      `INSERT INTO label_events (action_id, image_id, old_class_id, new_class_id, created_at)
      VALUES (?, ?, ?, ?, ?)`,
    ).run(actionId, imageId, oldId, newId, at)
  }

  setActionState(id: number, state: ActionState): void {
    this.sql('UPDATE label_actions SET state = ? WHERE id = ?').run(state, id)
  }

  /** A new user action makes everything that was undone unreachable for redo. */
  dropUndone(): void {
    this.sql(`UPDATE label_actions SET state = 'dropped' WHERE state = 'undone'`).run()
  }

  /** The action undo would revert: the latest one still done. */
  lastDone(): LabelAction | undefined {
    return this.sql(`SELECT ${ACTION_COLS} FROM label_actions WHERE state = 'done' ORDER BY id DESC LIMIT 1`).get() as
      LabelAction | undefined
  }

  /** The action redo would re-apply: undone actions form a suffix of the log, so the earliest one. */
  firstUndone(): LabelAction | undefined {
    return this.sql(`SELECT ${ACTION_COLS} FROM label_actions WHERE state = 'undone' ORDER BY id ASC LIMIT 1`).get() as
      LabelAction | undefined
  }

  eventsOf(actionId: number): LabelEvent[] {
    return this.sql(`SELECT ${EVENT_COLS} FROM label_events WHERE action_id = ? ORDER BY id`).all(
      actionId,
    ) as LabelEvent[]
  }

  history(imageId: number): HistoryEntry[] {
    return this.sql(
      `SELECT e.id, e.action_id AS actionId, e.image_id AS imageId, e.old_class_id AS oldClassId,
          e.new_class_id AS newClassId, e.created_at AS createdAt, a.kind, o.name AS oldClass, n.name AS newClass
        FROM label_events e JOIN label_actions a ON a.id = e.action_id
        LEFT JOIN classes o ON o.id = e.old_class_id LEFT JOIN classes n ON n.id = e.new_class_id
        WHERE e.image_id = ? ORDER BY e.id`,
    ).all(imageId) as HistoryEntry[]
  }
}
