import { describe, expect, it } from 'vitest'
import type { BackboneDto, PresetDto } from '../../preload/contract'
import { backboneChoice, backboneFacts, backboneOrigin, megabytes } from '../../renderer/src/composables/backbones'

const backbone = (name: string, more: Partial<BackboneDto> = {}): BackboneDto => ({
  name,
  title: name.toUpperCase(),
  origin: 'bundled',
  problem: null,
  inputSize: 224,
  featureSize: 768,
  parameters: 1_832_976,
  bytes: 7_379_659,
  imagesPerSecond: 41.6,
  speedMeasured: 'wasm backend, 2 cores, batch 32',
  license: 'Apache-2.0',
  classifier: true,
  ...more,
})

const transfer = (backbones: BackboneDto[], best: string | null): PresetDto => ({
  name: 'transfer',
  label: 'Transfer',
  description: '',
  fields: ['backbone'],
  inputSize: { min: 224, max: 224 },
  defaults: {
    inputSize: 224,
    epochs: 100,
    batchSize: 32,
    learningRate: 0.001,
    patience: 10,
    seed: 42,
    backbone: best,
    fractions: { train: 0.7, val: 0.15, test: 0.15 },
  },
  backbones,
})

describe('the backbone field of the Train form', () => {
  it('says what a backbone costs and gives, and where it comes from', () => {
    expect(megabytes(921_895)).toBe('0.9 MB')
    expect(backboneFacts(backbone('a'))).toBe('7.4 MB · 768 features · ≈ 42 images/s')
    expect(backboneFacts(backbone('a', { featureSize: null, imagesPerSecond: null }))).toBe(
      '7.4 MB · speed not measured',
    )
    expect(backboneOrigin(backbone('a'))).toBe('ships with Studio · Apache-2.0')
    expect(backboneOrigin(backbone('a', { origin: 'models-folder', license: null }))).toBe('from the models folder')
  })

  it('offers the usable backbones, the default first; the empty value means the default', () => {
    const small = backbone('small')
    const best = backbone('best')
    const broken = backbone('broken', { problem: 'file x is damaged' })
    const c = backboneChoice(transfer([small, best, broken], 'best'), '')
    expect(c.usable.map((b) => b.name)).toEqual(['best', 'small'])
    expect(c.refused).toEqual([broken])
    expect(c.best).toBe(best)
    expect(c.selected).toBe(best)
    expect(backboneChoice(transfer([small, best], 'best'), 'small').selected).toBe(small)
    // A value that is no longer usable describes nothing (the engine refuses it when the run starts).
    expect(backboneChoice(transfer([small, best, broken], 'best'), 'broken').selected).toBeUndefined()
  })

  it('has nothing to offer where no backbone is usable or the preset takes none', () => {
    const none = backboneChoice(transfer([backbone('broken', { problem: 'bad' })], null), '')
    expect([none.usable, none.best, none.selected]).toEqual([[], undefined, undefined])
    expect(backboneChoice(undefined, '')).toEqual({ usable: [], refused: [], selected: undefined, best: undefined })
  })
})
