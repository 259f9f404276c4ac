/** Small helpers shared by engine modules. */

/** ISO-8601 UTC timestamp with milliseconds, the one time format stored in the project. */
export function nowIso(): string {
  return new Date().toISOString()
}

/** Quote a path for a one-line message, so spaces and newlines in file names stay visible. */
export function quotePath(p: string): string {
  return JSON.stringify(p)
}
