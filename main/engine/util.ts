/** Small helpers shared by engine modules. */

/** ISO-8601 UTC timestamp with milliseconds, the one time format stored in the project. */
export function nowIso(): string {
  return new Date().toISOString()
}
