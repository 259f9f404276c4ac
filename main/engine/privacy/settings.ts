import { createHash, randomBytes } from 'node:crypto'
import path from 'node:path'
import { ValidationError } from '../errors'
import type { SettingsDto } from '../../../preload/contract'
import type { Store } from '../store'

/** What metadata leaves the import with the stored original. */
export const STRIP_MODES = ['keep', 'gps', 'all'] as const
export type StripMode = (typeof STRIP_MODES)[number]
export const SOURCE_PATH_MODES = ['keep', 'forget'] as const
export type SourcePathMode = (typeof SOURCE_PATH_MODES)[number]

/** A project's privacy settings (the `project_settings` table); the defaults change nothing. */
export interface PrivacySettings {
  /**
   * `keep` (default): originals are stored byte for byte. `gps`: the GPS block of the EXIF data and
   * GPS properties of XMP are removed. `all`: EXIF, XMP, IPTC, comments and text chunks are removed;
   * the EXIF orientation tag is kept (alone) so images still show upright. Pixels are not re-encoded
   * for JPEG, PNG and WebP; see privacy/strip.ts for the other formats.
   */
  stripMetadata: StripMode
  /**
   * `keep` (default): an import batch records the absolute path of its folder or CSV. `forget`: only
   * that folder's or CSV's own name and a salted hash of its path (so an interrupted import still
   * resumes). Image paths are relative to the import root in both modes.
   */
  sourcePaths: SourcePathMode
}

export const DEFAULT_SETTINGS: PrivacySettings = { stripMetadata: 'keep', sourcePaths: 'keep' }

/** The stored settings, defaults for what was never set. */
export function readSettings(store: Store): PrivacySettings {
  const strip = store.privacy.setting('stripMetadata')
  const paths = store.privacy.setting('sourcePaths')
  return {
    stripMetadata: STRIP_MODES.includes(strip as StripMode) ? (strip as StripMode) : DEFAULT_SETTINGS.stripMetadata,
    sourcePaths: SOURCE_PATH_MODES.includes(paths as SourcePathMode)
      ? (paths as SourcePathMode)
      : DEFAULT_SETTINGS.sourcePaths,
  }
}

export interface SettingsChange {
  stripMetadata?: string
  sourcePaths?: string
  /** With `sourcePaths: 'forget'`: also forget the paths earlier imports stored (default false). */
  forgetStored?: boolean
}

export interface SettingsResult {
  settings: PrivacySettings
  /** Import batches whose stored absolute path was replaced by its name (forgetStored). */
  forgotten: number
}

/** Changes settings (checked by field) and, when asked, forgets stored source paths: all in one transaction. */
export function changeSettings(store: Store, change: SettingsChange): SettingsResult {
  if (change.stripMetadata !== undefined && !STRIP_MODES.includes(change.stripMetadata as StripMode)) {
    throw new ValidationError(
      `stripMetadata must be one of ${STRIP_MODES.join(', ')} (got ${JSON.stringify(change.stripMetadata)})`,
    )
  }
  if (change.sourcePaths !== undefined && !SOURCE_PATH_MODES.includes(change.sourcePaths as SourcePathMode)) {
    throw new ValidationError(
      `sourcePaths must be one of ${SOURCE_PATH_MODES.join(', ')} (got ${JSON.stringify(change.sourcePaths)})`,
    )
  }
  const apply = () =>
    store.tx(() => {
      if (change.stripMetadata !== undefined) store.privacy.setSetting('stripMetadata', change.stripMetadata)
      if (change.sourcePaths !== undefined) store.privacy.setSetting('sourcePaths', change.sourcePaths)
      const settings = readSettings(store)
      if (change.forgetStored && settings.sourcePaths !== 'forget') {
        throw new ValidationError('forgetStored needs sourcePaths "forget" (stored paths are forgotten only then)')
      }
      let forgotten = 0
      if (change.forgetStored) {
        for (const b of store.privacy.batchSources()) {
          if (isForgotten(b.source)) continue
          store.privacy.setBatchSource(b.id, forgottenSource(store, b.source))
          forgotten++
        }
      }
      return { settings, forgotten }
    })
  return change.forgetStored ? store.privacy.scrubbing(store.db, apply) : apply()
}

/** Import batches that still store an absolute path (what "forget stored paths" would change). */
export function storedSourcePaths(store: Store): number {
  return store.privacy.batchSources().filter((b) => !isForgotten(b.source)).length
}

const FORGOTTEN_PREFIX = '…/'

/** True for a source stored in forgotten form. */
export function isForgotten(source: string): boolean {
  return source.startsWith(FORGOTTEN_PREFIX)
}

/**
 * What a batch stores for its source: the absolute path (keep) or `…/<name> [<12 hex>]` (forget),
 * the hex a salted SHA-256 of the absolute path, so importing the same folder again finds its batch
 * (resume, earlier errors) while two folders of the same name stay apart. The salt is random per
 * project, so the hash cannot be looked up in a table; someone holding the project can still test a
 * guessed path against it.
 */
export function storedSource(store: Store, abs: string): string {
  return readSettings(store).sourcePaths === 'forget' ? forgottenSource(store, abs) : abs
}

function forgottenSource(store: Store, abs: string): string {
  const key = createHash('sha256').update(salt(store)).update(abs).digest('hex').slice(0, 12)
  return `${FORGOTTEN_PREFIX}${path.basename(abs)} [${key}]`
}

function salt(store: Store): string {
  const have = store.privacy.setting('pathSalt')
  if (typeof have === 'string') return have
  const made = randomBytes(16).toString('hex')
  store.tx(() => store.privacy.setSetting('pathSalt', made))
  return made
}

/** The settings as the API answers them, with the GPS counts and what forgetting would change. */
export function settingsDto(store: Store, forgotten?: number): SettingsDto {
  return {
    ...readSettings(store),
    storedSourcePaths: storedSourcePaths(store),
    gps: store.privacy.gpsCounts(),
    ...(forgotten === undefined ? {} : { forgotten }),
  }
}
