import type { KeyLike } from './useKeyboard'

/** What a key does in Review (suspects) and Label next; `pick` carries the class's place in key order. */
export type QualityAction =
  | { kind: 'accept' }
  | { kind: 'keep' }
  | { kind: 'pick'; classIndex: number }
  | { kind: 'move'; delta: 1 | -1 }
  | { kind: 'undo' }

/**
 * Review's keys: Enter or A accepts the suggestion, K keeps the label, 1–9 picks a class, the
 * arrows move, Z undoes. With a modifier held a key belongs to the browser (Ctrl+A, Alt+←).
 */
export function reviewKey(e: KeyLike): QualityAction | null {
  if (e.ctrlKey || e.metaKey || e.altKey) return null
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key
  if (key === 'Enter' || key === 'a') return { kind: 'accept' }
  if (key === 'k') return { kind: 'keep' }
  return common(key)
}

/** Label next's keys: Enter accepts the suggested label, 1–9 picks another, the arrows skip, Z undoes. */
export function labelNextKey(e: KeyLike): QualityAction | null {
  if (e.ctrlKey || e.metaKey || e.altKey) return null
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key
  if (key === 'Enter') return { kind: 'accept' }
  return common(key)
}

function common(key: string): QualityAction | null {
  if (/^[1-9]$/.test(key)) return { kind: 'pick', classIndex: Number(key) - 1 }
  if (key === 'ArrowRight' || key === 'ArrowDown') return { kind: 'move', delta: 1 }
  if (key === 'ArrowLeft' || key === 'ArrowUp') return { kind: 'move', delta: -1 }
  if (key === 'z') return { kind: 'undo' }
  return null
}

/** The part of an element the key check needs (a DOM Element in the views). */
export interface KeyTarget {
  tagName: string
  closest(selector: string): unknown
}

/**
 * Whether a key pressed with focus on `target` is the view's: on the page itself or inside the view's
 * `[data-keys]` stage, yes; on a button, link, field or menu elsewhere, no (Enter there presses that
 * control, and a digit typed into a field is not a label).
 */
export function keyIsForView(target: KeyTarget | null): boolean {
  if (!target || target.tagName === 'BODY' || target.tagName === 'HTML') return true
  if (/^(INPUT|SELECT|TEXTAREA|BUTTON|A)$/.test(target.tagName)) return false
  return Boolean(target.closest('[data-keys]'))
}

/** The file name of a path, for messages ("bees/b-07.jpg" → "b-07.jpg"). */
export const fileName = (p: string): string => p.split(/[\\/]/).filter(Boolean).at(-1) ?? p
