/**
 * THE contract between the renderer and the engine, type-only. Main, preload and renderer import it
 * with `import type`. The studio UI issue grows it to every request and event; this is its seed.
 */
export interface ProjectStatsDto {
  images: number
  classes: Record<string, number>
  unlabeled: number
  errors: number
  duplicates: number
}

export interface AppInfo {
  version: string
  /** Where the renderer runs: inside Electron or in a browser against `studio serve`. */
  shell: 'electron' | 'browser'
}

/** Requests the renderer may make; each returns a promise of its response. */
export interface StudioApi {
  appInfo(): Promise<AppInfo>
}

/** Names of the invoke channels, derived from the API so they cannot drift. */
export type StudioChannel = keyof StudioApi
