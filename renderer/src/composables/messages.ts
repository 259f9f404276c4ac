/** What the labeling views tell the user, in words (unit-tested): counts in the right number, images by file name. */

export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`
}

/** "cat-01.jpg → cat", "12 images → cat", "cat-01.jpg unlabeled" (`name`: the one image's file name). */
export function labeledMessage(count: number, name: string, changed: number, className: string | null): string {
  const what = count === 1 && name ? name : plural(count, 'image')
  const to = className === null ? 'unlabeled' : `→ ${className}`
  const unchanged = changed < count ? ` (${plural(count - changed, 'was', 'were')} already)` : ''
  return `${what} ${to}${unchanged}`
}

/** After Undo or Redo: "Undid 1 change", "Nothing to redo". */
export function undoMessage(which: 'undo' | 'redo', changed: number | null, what?: string): string {
  if (changed === null) return `Nothing to ${which}`
  const verb = which === 'undo' ? 'Undid' : 'Redid'
  return what ? `${verb} ${what}` : `${verb} ${plural(changed, 'change')}`
}
