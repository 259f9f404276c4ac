import type { Command } from 'commander'
import type { SettingsDto } from '../../../preload/contract'
import { ValidationError } from '../../engine/errors'
import { plural } from '../../engine/plural'
import { changeSettings, settingsDto, SOURCE_PATH_MODES, STRIP_MODES } from '../../engine/privacy/settings'
import { withStudio } from '../context'
import { common, emit, type CommonOptions } from '../output'

interface SettingsOptions extends CommonOptions {
  stripMetadata?: string
  sourcePaths?: string
  forgetStored?: boolean
}

/** `studio settings`: shows the project's privacy settings, or changes them. */
export function registerSettings(program: Command): void {
  common(program.command('settings'))
    .description('show or change the project privacy settings (metadata kept in stored originals, import source paths)')
    .option(
      '--strip-metadata <mode>',
      `at import: keep (originals byte for byte, the default) | gps (remove GPS positions) | all (remove EXIF, XMP, IPTC, comments; the orientation is kept)`,
    )
    .option(
      '--source-paths <mode>',
      'keep (imports record the absolute path of their folder or CSV, the default) | forget (only its name)',
    )
    .option('--forget-stored', 'with --source-paths forget: also forget the paths earlier imports stored')
    .addHelpText(
      'after',
      '\nSettings apply to imports from now on; stored originals are not rewritten. Image paths stay relative to the ' +
        'import folder either way (studio images, the health report and exports show them).',
    )
    .action((opts: SettingsOptions) =>
      withStudio(opts, (s) => {
        if (opts.stripMetadata !== undefined && !STRIP_MODES.includes(opts.stripMetadata as never)) {
          throw new ValidationError(
            `--strip-metadata must be ${STRIP_MODES.join(', ')} (got ${JSON.stringify(opts.stripMetadata)})`,
          )
        }
        if (opts.sourcePaths !== undefined && !SOURCE_PATH_MODES.includes(opts.sourcePaths as never)) {
          throw new ValidationError(
            `--source-paths must be ${SOURCE_PATH_MODES.join(', ')} (got ${JSON.stringify(opts.sourcePaths)})`,
          )
        }
        const changing = opts.stripMetadata !== undefined || opts.sourcePaths !== undefined || opts.forgetStored
        const forgotten = changing
          ? changeSettings(s.store, {
              stripMetadata: opts.stripMetadata,
              sourcePaths: opts.sourcePaths,
              forgetStored: opts.forgetStored,
            }).forgotten
          : undefined
        emit(opts, settingsDto(s.store, opts.forgetStored ? forgotten : undefined), human)
      }),
    )
}

function human(v: SettingsDto): string {
  const strip = {
    keep: 'keep originals byte for byte',
    gps: 'remove GPS positions at import',
    all: 'remove EXIF, XMP, IPTC and comments at import (orientation kept)',
  }[v.stripMetadata]
  const lines = [
    `Metadata      ${v.stripMetadata} (${strip})`,
    `Source paths  ${v.sourcePaths} (${v.sourcePaths === 'keep' ? 'imports record the absolute path of their folder or CSV' : 'imports record only the folder or CSV name'})`,
    `GPS           ${gpsLine(v.gps)}`,
  ]
  if (v.forgotten !== undefined) lines.push(`Forgot the stored path of ${plural(v.forgotten, 'import')}.`)
  if (v.sourcePaths === 'forget' && v.storedSourcePaths > 0) {
    lines.push(
      `${plural(v.storedSourcePaths, 'earlier import')} still ${v.storedSourcePaths === 1 ? 'stores its' : 'store their'} ` +
        'absolute path: `studio settings --source-paths forget --forget-stored` forgets them.',
    )
  }
  return lines.join('\n')
}

export function gpsLine(g: SettingsDto['gps']): string {
  const parts = [`${plural(g.withGps, 'image')} with a GPS position, ${g.withoutGps} without`]
  if (g.unchecked) parts.push(`${g.unchecked} not checked (imported earlier; \`studio check\` counts them)`)
  return parts.join('; ')
}
