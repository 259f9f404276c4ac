import { ValidationError } from '../../errors'
import { seedCnnPreset } from './seed-cnn'
import { transferPreset } from './transfer'
import type { PresetSpec } from './types'

/**
 * The built-in presets, the first being the default. A new preset is one file beside this one
 * (a `definePreset({...})`) and one entry here; the request schema, the CLI's --preset choices,
 * the Train form and the config checks follow from this list.
 */
const BUILT_IN = [seedCnnPreset, transferPreset] as const

/** A list of presets by name. */
export class PresetRegistry {
  private readonly byName = new Map<string, PresetSpec>()

  constructor(readonly list: readonly PresetSpec[]) {
    if (!list.length) throw new Error('a preset registry needs at least one preset')
    for (const p of list) {
      if (this.byName.has(p.name)) throw new Error(`two presets are named ${JSON.stringify(p.name)}`)
      this.byName.set(p.name, p)
    }
  }

  get names(): string[] {
    return this.list.map((p) => p.name)
  }

  /** The preset used when a config names none. */
  get default(): PresetSpec {
    return this.list[0]!
  }

  get(name: string): PresetSpec {
    const p = this.byName.get(name)
    if (!p) throw new ValidationError(`preset must be one of ${this.names.join(', ')} (got ${JSON.stringify(name)})`)
    return p
  }

  /** This registry plus more presets (tests; a plug-in's own list). */
  with(...more: PresetSpec[]): PresetRegistry {
    return new PresetRegistry([...this.list, ...more])
  }
}

export const presets = new PresetRegistry(BUILT_IN)

type NamesOf<T extends readonly PresetSpec[]> = {
  readonly [K in keyof T]: T[K] extends PresetSpec<infer N> ? N : never
}

/** The built-in names as a tuple (z.enum and commander's choices take it). */
export const PRESET_NAMES = BUILT_IN.map((p) => p.name) as readonly string[] as NamesOf<typeof BUILT_IN>
export type PresetName = (typeof PRESET_NAMES)[number]
