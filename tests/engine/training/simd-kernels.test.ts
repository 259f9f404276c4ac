import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
// @ts-expect-error: a plain .mjs build script without types
import { generated } from '../../../scripts/build-wasm-kernels.mjs'
// @ts-expect-error: a plain .mjs build script without types
import { assemble } from '../../../scripts/wat.mjs'

// The app loads the kernels from generated TypeScript; it must be what the .wat sources assemble to.
const dir = path.resolve(import.meta.dirname, '../../../main/engine/training/simd')

describe('hand-written wasm kernels', () => {
  const sources = fs.readdirSync(dir).filter((f) => f.endsWith('.wat'))
  it('there are kernel sources', () => expect(sources.length).toBeGreaterThan(0))
  for (const file of sources) {
    it(`${file}: the committed bytes are what it assembles to (else: npm run build:kernels)`, async () => {
      const bytes = (await assemble(fs.readFileSync(path.join(dir, file), 'utf8'), file)) as Uint8Array<ArrayBuffer>
      expect(WebAssembly.validate(bytes)).toBe(true)
      expect(fs.readFileSync(path.join(dir, file.replace(/\.wat$/, '.wasm.ts')), 'utf8')).toBe(generated(file, bytes))
    })
  }
})
