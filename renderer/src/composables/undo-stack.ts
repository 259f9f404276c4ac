/**
 * What Undo and Redo take back, in order. Label changes, merges and deletes are undone by the engine
 * (its label log); a class rename or recolour and a key reorder are undone here by applying the
 * opposite change. The stack keeps both kinds in the order they happened, so Undo always takes back
 * the latest. With nothing of ours left, Undo and Redo go to the engine, whose log also holds what
 * was done before this page was opened (or from the CLI).
 */
export type LocalChange =
  | { kind: 'rename'; classId: number; from: string; to: string }
  | { kind: 'color'; classId: number; from: string; to: string }
  | { kind: 'keys'; from: number[]; to: number[] }
  /** An attribute set or cleared on images: their values before (`from`) and after, grouped by value. */
  | { kind: 'attribute'; name: string; from: AttributeGroup[]; to: AttributeGroup[] }

export type AttributeGroup = { value: string | null; imageIds: number[] }

export type UndoEntry = { kind: 'engine' } | LocalChange

export class UndoStack {
  private done: UndoEntry[] = []
  private undone: UndoEntry[] = []

  /** A new change: what was undone can no longer be redone (the engine drops its redo branch too). */
  push(e: UndoEntry): void {
    this.done.push(e)
    this.undone = []
  }

  /** The change Undo takes back; an engine entry also when this page has none left. */
  takeUndo(): UndoEntry {
    const e = this.done.pop() ?? { kind: 'engine' }
    this.undone.push(e)
    return e
  }

  takeRedo(): UndoEntry {
    const e = this.undone.pop() ?? { kind: 'engine' }
    this.done.push(e)
    return e
  }

  /** A failed undo or redo goes back where it was. */
  restore(which: 'undo' | 'redo'): void {
    const [from, to] = which === 'undo' ? [this.undone, this.done] : [this.done, this.undone]
    const e = from.pop()
    if (e) to.push(e)
  }

  clear(): void {
    this.done = []
    this.undone = []
  }
}

/** The opposite of a local change: what undoing it applies. */
export function inverse(c: LocalChange): LocalChange {
  if (c.kind === 'keys') return { kind: 'keys', from: c.to, to: c.from }
  if (c.kind === 'attribute') return { ...c, from: c.to, to: c.from }
  return { ...c, from: c.to, to: c.from }
}
