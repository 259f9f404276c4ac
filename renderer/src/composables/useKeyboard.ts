/** Labeling keys, as a pure function from a key event to an action (unit-tested). */
export type KeyAction =
  | { kind: 'assign'; classIndex: number }
  | { kind: 'move'; delta: number | 'row-up' | 'row-down' }
  | { kind: 'toggle-select' }
  | { kind: 'clear' }
  | { kind: 'undo' }
  | { kind: 'redo' }
  | { kind: 'help' }
  | { kind: 'escape' }

export interface KeyLike {
  key: string
  shiftKey?: boolean
  ctrlKey?: boolean
  metaKey?: boolean
  altKey?: boolean
}

/** Every key the label view answers to, for the help overlay. */
export const KEY_HELP: [string, string][] = [
  ['1 – 9', 'give the selection (or the focused image) that class'],
  ['← → / J K', 'previous / next image'],
  ['↑ ↓', 'row up / down'],
  ['Space', 'select or unselect the focused image'],
  ['Shift-click', 'select a range'],
  ['X', 'clear the label'],
  ['Z / Shift-Z', 'undo / redo'],
  ['Esc', 'clear the selection, close this help'],
  ['?', 'this help'],
]

export function keyAction(e: KeyLike): KeyAction | null {
  if (e.ctrlKey || e.metaKey || e.altKey) return null
  if (/^[1-9]$/.test(e.key)) return { kind: 'assign', classIndex: Number(e.key) - 1 }
  switch (e.key) {
    case 'ArrowRight':
    case 'k':
    case 'K':
      return { kind: 'move', delta: 1 }
    case 'ArrowLeft':
    case 'j':
    case 'J':
      return { kind: 'move', delta: -1 }
    case 'ArrowUp':
      return { kind: 'move', delta: 'row-up' }
    case 'ArrowDown':
      return { kind: 'move', delta: 'row-down' }
    case ' ':
      return { kind: 'toggle-select' }
    case 'x':
    case 'X':
      return { kind: 'clear' }
    case 'z':
      return { kind: 'undo' }
    case 'Z':
      return e.shiftKey ? { kind: 'redo' } : { kind: 'undo' }
    case '?':
      return { kind: 'help' }
    case 'Escape':
      return { kind: 'escape' }
    default:
      return null
  }
}

/** Where focus goes after a move, kept inside [0, count). */
export function moveFocus(
  focus: number,
  delta: number | 'row-up' | 'row-down',
  columns: number,
  count: number,
): number {
  const step = delta === 'row-up' ? -columns : delta === 'row-down' ? columns : delta
  return Math.max(0, Math.min(count - 1, focus + step))
}

/** Shift-click selects every index between the anchor and the clicked one, inclusive. */
export function rangeSelection(anchor: number, clicked: number): number[] {
  const [a, b] = anchor <= clicked ? [anchor, clicked] : [clicked, anchor]
  return Array.from({ length: b - a + 1 }, (_, i) => a + i)
}
