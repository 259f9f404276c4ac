import wabtInit from 'wabt'

/** WebAssembly text → binary, with SIMD, bulk memory and shared memory. */
export async function assemble(source, name) {
  const wabt = await wabtInit()
  const features = { simd: true, bulk_memory: true, threads: true }
  const mod = wabt.parseWat(name, source, features)
  try {
    mod.validate(features)
    return mod.toBinary({}).buffer
  } finally {
    mod.destroy()
  }
}
