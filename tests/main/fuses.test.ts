import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

/**
 * The fuses electron-builder flips in packaged builds (`electronFuses` in electron-builder.yml): the
 * recommended ones, except the two Studio needs, each named with its reason in the file.
 */

const repo = path.resolve(import.meta.dirname, '../..')
const config = fs.readFileSync(path.join(repo, 'electron-builder.yml'), 'utf8')

/** The `electronFuses:` block as {name: boolean} (a flat map of `  key: true|false` lines). */
function fuses(): Record<string, boolean> {
  const block = /^electronFuses:\n((?:(?: {2}#.*| {2}\w+: (?:true|false))\n)+)/m.exec(config)?.[1] ?? ''
  return Object.fromEntries([...block.matchAll(/^ {2}(\w+): (true|false)$/gm)].map((m) => [m[1], m[2] === 'true']))
}

describe('Electron fuses in packaged builds', () => {
  it('turn off NODE_OPTIONS and --inspect, load the app only from a checked asar, encrypt cookies', () => {
    expect(fuses()).toEqual({
      runAsNode: true,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: true,
    })
  })

  it('name only options electron-builder knows', () => {
    const types = path.join(repo, 'node_modules/app-builder-lib/out/configuration.d.ts')
    const known = /export interface FuseOptionsV1 \{([\s\S]*?)\n\}/.exec(fs.readFileSync(types, 'utf8'))?.[1] ?? ''
    for (const name of Object.keys(fuses())) expect(known).toMatch(new RegExp(`\\n\\s+${name}\\?: boolean;`))
  })

  it('the app is packed as an asar archive (onlyLoadAppFromAsar needs one)', () => {
    expect(config).not.toMatch(/^asar: false/m)
  })
})
