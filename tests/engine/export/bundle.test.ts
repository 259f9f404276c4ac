import fs from 'node:fs'
import { builtinModules } from 'node:module'
import { describe, expect, it } from 'vitest'
import { exportPackageJson } from '../../../main/engine/export/bundle'
import { resourcePath } from '../../../main/engine/resources'

// The whole export (model, card, zip, predict.mjs in a fresh process) is tested after a real training
// run in tests/engine/training/train.test.ts; these are the parts that need no run.

const studioPackage = JSON.parse(fs.readFileSync('package.json', 'utf8')) as { dependencies: Record<string, string> }

describe("an export's package.json", () => {
  it("names predict.mjs's dependencies at the versions Studio itself depends on", () => {
    expect(JSON.parse(exportPackageJson(7))).toEqual({
      name: 'studio-model-run-7',
      private: true,
      type: 'module',
      description: 'Image classifier exported from Studio (run 7)',
      dependencies: {
        '@tensorflow/tfjs': studioPackage.dependencies['@tensorflow/tfjs'],
        sharp: studioPackage.dependencies['sharp'],
      },
    })
  })

  it('lists every package predict.mjs imports, and nothing else', () => {
    const source = fs.readFileSync(resourcePath('predict.mjs'), 'utf8')
    const imported = [...source.matchAll(/^import .* from '([^']+)'$/gm)].map((m) => m[1]!)
    expect(imported.length).toBeGreaterThan(0)
    const packages = imported.filter((s) => !s.startsWith('node:') && !builtinModules.includes(s))
    const deps = (JSON.parse(exportPackageJson(1)) as { dependencies: Record<string, string> }).dependencies
    expect(packages.sort()).toEqual(Object.keys(deps).sort())
  })
})
