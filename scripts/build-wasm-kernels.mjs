// Assembles main/engine/training/simd/*.wat into TypeScript modules holding the wasm bytes
// (base64), so the app and the tests need no assembler: npm run build:kernels (uses wabt, a
// devDependency). tests/engine/training/simd-kernels.test.ts checks the committed bytes are current.
import fs from 'node:fs'
import path from 'node:path'
import { assemble } from './wat.mjs'

const dir = path.resolve(import.meta.dirname, '../main/engine/training/simd')

// Only when run (npm run build:kernels): the test imports `generated` and must see the committed files.
if (import.meta.url === `file://${process.argv[1]}`) {
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.wat'))) {
    const bytes = await assemble(fs.readFileSync(path.join(dir, file), 'utf8'), file)
    const out = path.join(dir, file.replace(/\.wat$/, '.wasm.ts'))
    fs.writeFileSync(out, generated(file, bytes))
    console.log(`${path.relative(process.cwd(), out)}: ${bytes.length} bytes`)
  }
}

export function generated(file, bytes) {
  return `// Generated from ${file} by scripts/build-wasm-kernels.mjs; do not edit.\nexport const wasmBase64 =\n  '${Buffer.from(bytes).toString('base64')}'\n`
}
