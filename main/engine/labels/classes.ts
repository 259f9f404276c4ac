import { ValidationError } from '../errors'

/** Distinct, colour-blind-friendly colours assigned to classes in creation order. */
export const CLASS_PALETTE: readonly string[] = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
  '#1f77b4',
  '#d62728',
]

export const MAX_CLASS_NAME = 120

/** Trims and checks a class name; the error says what is wrong with which name. */
export function normalizeClassName(raw: string, field = 'class name'): string {
  const name = raw.normalize('NFC').trim()
  if (!name) throw new ValidationError(`${field} is empty or only whitespace`)
  if (name.length > MAX_CLASS_NAME) {
    throw new ValidationError(
      `${field} ${JSON.stringify(name.slice(0, 40) + '…')} is longer than ${MAX_CLASS_NAME} characters`,
    )
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name))
    throw new ValidationError(`${field} ${JSON.stringify(name)} contains control characters`)
  return name
}

export function colorFor(index: number): string {
  return CLASS_PALETTE[index % CLASS_PALETTE.length]!
}
