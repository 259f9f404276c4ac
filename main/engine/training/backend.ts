import { createRequire } from 'node:module'
import path from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { ValidationError } from '../errors'
import { registerWasmGradientKernels } from './kernels'

import { BACKENDS, type BackendName } from './backend-names'

export { BACKENDS, type BackendName } from './backend-names'

export interface BackendInfo {
  name: BackendName
  /** Version of the package that provides it. */
  version: string
  /** Why this one: the preference given, or which faster ones could not load. */
  reason: string
}

const requireHere = createRequire(import.meta.url)

/**
 * Picks the fastest backend that loads: native TensorFlow (tfjs-node, an optional dependency that
 * needs libtensorflow), else WebAssembly, else pure JS (≈ 50× slower than wasm). A preference
 * (setting, `STUDIO_BACKEND`) is honoured when it loads.
 */
export async function selectBackend(preference: BackendName | 'auto' = envPreference()): Promise<BackendInfo> {
  const order = preference === 'auto' ? BACKENDS : [preference, ...BACKENDS.filter((b) => b !== preference)]
  const failures: string[] = []
  for (const name of order) {
    const why = await tryBackend(name)
    if (why === null) {
      const reason =
        preference !== 'auto' && name === preference
          ? `chosen by setting`
          : failures.length
            ? `fastest available (${failures.join('; ')})`
            : 'fastest available'
      return { name, version: versionOf(name), reason }
    }
    failures.push(`${name}: ${why}`)
  }
  throw new Error(`no TensorFlow.js backend could start: ${failures.join('; ')}`)
}

function envPreference(): BackendName | 'auto' {
  const v = process.env.STUDIO_BACKEND?.trim()
  if (!v || v === 'auto') return 'auto'
  if ((BACKENDS as readonly string[]).includes(v)) return v as BackendName
  throw new ValidationError(`STUDIO_BACKEND must be auto, ${BACKENDS.join(', ')} (got ${JSON.stringify(v)})`)
}

/** null when the backend is active, else why it is not available. */
async function tryBackend(name: BackendName): Promise<string | null> {
  try {
    if (name === 'tensorflow') {
      // Loading tfjs-node registers the 'tensorflow' backend; it fails where libtensorflow is missing.
      await import(/* @vite-ignore */ '@tensorflow/tfjs-node' as string)
    } else if (name === 'wasm') {
      const wasm = await import('@tensorflow/tfjs-backend-wasm')
      wasm.setWasmPaths(
        path.dirname(requireHere.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + path.sep,
      )
      registerWasmGradientKernels()
    }
    if (!(await tf.setBackend(name))) return 'did not initialise'
    await tf.ready()
    return null
  } catch (err) {
    const msg = err instanceof Error ? err.message.split('\n')[0]! : String(err)
    return /Cannot find (module|package)/.test(msg) ? 'not installed' : msg
  }
}

function versionOf(name: BackendName): string {
  const pkg = {
    tensorflow: '@tensorflow/tfjs-node',
    wasm: '@tensorflow/tfjs-backend-wasm',
    cpu: '@tensorflow/tfjs-backend-cpu',
  }[name]
  try {
    return (requireHere(`${pkg}/package.json`) as { version: string }).version
  } catch {
    return tf.version.tfjs
  }
}
