import type { GpsCountDto, SettingsDto } from '../../../preload/contract'
import { plural } from './messages'

/** The metadata choices of the Settings view, in the order shown, each with what it does to stored originals. */
export const STRIP_CHOICES: { value: SettingsDto['stripMetadata']; label: string; hint: string }[] = [
  { value: 'keep', label: 'Keep everything', hint: 'Originals are stored byte for byte, as they came.' },
  {
    value: 'gps',
    label: 'Remove GPS positions',
    hint: 'The GPS block of EXIF and GPS fields of XMP are removed; camera, date and orientation stay.',
  },
  {
    value: 'all',
    label: 'Remove all metadata',
    hint: 'EXIF, XMP, IPTC and comments are removed; only the orientation is kept, so images stay upright.',
  },
]

export const PATH_CHOICES: { value: SettingsDto['sourcePaths']; label: string; hint: string }[] = [
  { value: 'keep', label: 'Keep', hint: 'Each import records the full path of its folder or CSV.' },
  {
    value: 'forget',
    label: 'Forget',
    hint: 'Each import records only the folder or CSV name; image paths stay relative to it.',
  },
]

/** One sentence about GPS in stored originals; '' for a project without images. */
export function gpsText(g: GpsCountDto | undefined): string {
  if (!g) return ''
  const total = g.withGps + g.withoutGps + g.unchecked
  if (!total) return ''
  const has =
    g.withGps === 0
      ? 'No stored original carries a GPS position'
      : `${plural(g.withGps, 'stored original')} ${g.withGps === 1 ? 'carries' : 'carry'} a GPS position`
  const older = g.unchecked ? `; ${g.unchecked} imported earlier not checked (Check the project counts them)` : ''
  return `${has}${older}.`
}

/** Whether saving should offer to forget the paths earlier imports stored. */
export function offersForget(current: SettingsDto | null, sourcePaths: SettingsDto['sourcePaths']): boolean {
  return sourcePaths === 'forget' && (current?.storedSourcePaths ?? 0) > 0
}
