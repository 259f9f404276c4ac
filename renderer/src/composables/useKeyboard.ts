/**
 * Labeling keys, as pure functions from a key event to an action (unit-tested). The label keys 1–9
 * are fixed (which class each gives is the class key order, composables/key-order.ts); every other
 * action's keys can be changed by the user (bindings, persisted by stores/prefs.ts).
 */
export type KeyAction =
  | { kind: 'assign'; classIndex: number }
  | { kind: 'move'; delta: number | 'row-up' | 'row-down' }
  | { kind: 'toggle-select' }
  | { kind: 'zoom' }
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

/** The actions whose keys the user can change, in the order the help lists them. */
export const BINDABLE = ['next', 'prev', 'row-up', 'row-down', 'zoom', 'select', 'clear', 'undo', 'redo'] as const
export type Bindable = (typeof BINDABLE)[number]
export type KeyBindings = Record<Bindable, string[]>

export const DEFAULT_BINDINGS: KeyBindings = {
  next: ['ArrowRight', 'k'],
  prev: ['ArrowLeft', 'j'],
  'row-up': ['ArrowUp'],
  'row-down': ['ArrowDown'],
  zoom: ['Space', 'Enter'],
  select: ['s'],
  clear: ['x'],
  undo: ['z'],
  redo: ['Shift+z'],
}

export const ACTION_HELP: Record<Bindable, string> = {
  next: 'next image',
  prev: 'previous image',
  'row-up': 'row up',
  'row-down': 'row down',
  zoom: 'open or close the large view',
  select: 'select or unselect the focused image',
  clear: 'clear the label',
  undo: 'undo',
  redo: 'redo',
}

/** Keys no binding may take: the label keys and the ones the help and dialogs rely on. */
const RESERVED = /^([1-9]|Escape|\?|Tab|Shift\+Tab)$/

/**
 * A key as bindings name it: letters in lower case, with "Shift+" when Shift is held (Caps Lock alone
 * does not make "K" another key); " " as "Space"; everything else as the browser names it.
 */
export function keyName(e: KeyLike): string {
  if (e.key === ' ') return 'Space'
  if (/^[a-z]$/i.test(e.key)) return `${e.shiftKey ? 'Shift+' : ''}${e.key.toLowerCase()}`
  return e.key
}

/** How a key reads in the help ("→", "Space", "Shift+Z"). */
export function keyLabel(name: string): string {
  const arrows: Record<string, string> = { ArrowRight: '→', ArrowLeft: '←', ArrowUp: '↑', ArrowDown: '↓' }
  if (arrows[name]) return arrows[name]
  const shift = name.startsWith('Shift+')
  const key = shift ? name.slice(6) : name
  const shown = key.length === 1 ? key.toUpperCase() : key
  return shift ? `Shift+${shown}` : shown
}

const ACTION_OF: Record<Bindable, KeyAction> = {
  next: { kind: 'move', delta: 1 },
  prev: { kind: 'move', delta: -1 },
  'row-up': { kind: 'move', delta: 'row-up' },
  'row-down': { kind: 'move', delta: 'row-down' },
  zoom: { kind: 'zoom' },
  select: { kind: 'toggle-select' },
  clear: { kind: 'clear' },
  undo: { kind: 'undo' },
  redo: { kind: 'redo' },
}

export function keyAction(e: KeyLike, bindings: KeyBindings = DEFAULT_BINDINGS): KeyAction | null {
  if (e.ctrlKey || e.metaKey || e.altKey) return null
  if (/^[1-9]$/.test(e.key)) return { kind: 'assign', classIndex: Number(e.key) - 1 }
  if (e.key === '?') return { kind: 'help' }
  if (e.key === 'Escape') return { kind: 'escape' }
  const name = keyName(e)
  const action = BINDABLE.find((a) => bindings[a].includes(name))
  return action ? ACTION_OF[action] : null
}

/**
 * Gives `action` the key `name` (its only key from now on), taking it from any other action that had
 * it; null when the key is reserved.
 */
export function rebind(bindings: KeyBindings, action: Bindable, name: string): KeyBindings | null {
  if (RESERVED.test(name) || name === 'Shift') return null
  const out = { ...bindings }
  for (const a of BINDABLE) out[a] = out[a].filter((k) => k !== name)
  out[action] = [name]
  return out
}

/** Bindings read back from storage: unknown actions and reserved keys dropped, missing actions defaulted. */
export function parseBindings(raw: string | null): KeyBindings {
  const out: KeyBindings = { ...DEFAULT_BINDINGS }
  if (!raw) return out
  let saved: unknown
  try {
    saved = JSON.parse(raw)
  } catch {
    return out
  }
  if (typeof saved !== 'object' || saved === null) return out
  const taken = new Set<string>()
  const fromSaved = new Set<Bindable>()
  for (const a of BINDABLE) {
    const keys: unknown = (saved as Record<string, unknown>)[a]
    if (!Array.isArray(keys)) continue
    const valid = keys.filter((k): k is string => typeof k === 'string' && !RESERVED.test(k) && !taken.has(k))
    if (!valid.length) continue
    out[a] = valid
    fromSaved.add(a)
    for (const k of valid) taken.add(k)
  }
  // A default key that a saved binding took is no longer the default action's.
  for (const a of BINDABLE) if (!fromSaved.has(a)) out[a] = out[a].filter((k) => !taken.has(k))
  return out
}

/**
 * Whether a key event belongs to the element it was typed in rather than to the labeling keys: text
 * fields, selects and every link or button (a "1" pressed on a focused nav link must not relabel).
 */
export function ownsKeys(target: { closest(selector: string): unknown } | null): boolean {
  return Boolean(target?.closest('input, select, textarea, a, button, summary, [contenteditable="true"]'))
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
