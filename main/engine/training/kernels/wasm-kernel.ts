import * as tf from '@tensorflow/tfjs'

/**
 * The typed side of the kernels in this folder. TensorFlow.js hands every kernel untyped inputs,
 * attributes and backend; `wasmKernel` checks them once, so each kernel file reads tfjs-core's
 * attribute types and the backend's heap without casts of its own.
 */
export type Info = tf.TensorInfo
export type Shape4 = [number, number, number, number]
/** What a kernel function returns (a fallback to the backend's own kernel returns this too). */
export type KernelResult = ReturnType<tf.KernelFunc>
export type RawKernelArgs = Parameters<tf.KernelFunc>[0]

/** The wasm backend's access to tensor memory (BackendWasm's methods the kernels use). */
export interface HeapBackend {
  makeOutput(shape: number[], dtype: 'float32'): Info
  typedArrayFromHeap(t: Info): Float32Array
  disposeData(dataId: object): void
  /** The Emscripten module: heap kernels bind to its memory (simd/index.ts). */
  wasm?: { asm?: { memory?: unknown } }
}

function isHeapBackend(b: object): b is HeapBackend {
  return 'makeOutput' in b && 'typedArrayFromHeap' in b && 'disposeData' in b
}

export interface KernelArgs<I extends string, A> {
  inputs: Record<I, Info>
  backend: HeapBackend
  attrs: A
}

/**
 * A tf.KernelFunc from a typed one: the named inputs must be present and the backend must be the
 * wasm backend; the attributes are tfjs-core's for that kernel (its ops pass them). `raw` is the
 * call as received, for a fallback to the backend's own kernel.
 */
export function wasmKernel<I extends string, A extends object>(
  inputNames: readonly I[],
  f: (args: KernelArgs<I, A>, raw: RawKernelArgs) => KernelResult,
): tf.KernelFunc {
  return (raw) => {
    const { inputs, backend, attrs } = raw
    if (!isHeapBackend(backend)) throw new Error('these kernels run on the wasm backend only')
    for (const name of inputNames) if (!inputs[name]) throw new Error(`kernel input ${name} is missing`)
    return f({ inputs: inputs as Record<I, Info>, backend, attrs: (attrs ?? {}) as A }, raw)
  }
}

/** Runs another wasm kernel (by name) on the same backend; its single output. */
export function run(name: string, backend: HeapBackend, inputs: Record<string, Info>, attrs: tf.NamedAttrMap): Info {
  const k = tf.getKernel(name, 'wasm')
  if (!k) throw new Error(`wasm backend has no ${name} kernel`)
  return single(k.kernelFunc({ inputs, backend, attrs }))
}

export function single(r: KernelResult): Info {
  if (Array.isArray(r)) throw new Error('expected one output tensor')
  return r
}

/** Intermediate tensors a kernel makes: `keep` them while it computes, `dispose` them all at the end. */
export function temporaries(backend: HeapBackend): { keep: (t: Info) => Info; dispose: () => void } {
  const temps: Info[] = []
  return {
    keep: (t) => (temps.push(t), t),
    dispose: () => {
      for (const t of temps) backend.disposeData(t.dataId)
    },
  }
}

/**
 * `x` (NHWC) zero-padded by [top, bottom] rows, [left, right] columns and `channels` more channels,
 * kept among `temps`; `x` itself where there is nothing to pad.
 */
export function padNhwc(
  backend: HeapBackend,
  temps: { keep: (t: Info) => Info },
  x: Info,
  [top, bottom, left, right]: [number, number, number, number],
  channels = 0,
): Info {
  if (!(top || bottom || left || right || channels)) return x
  const paddings = [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, channels],
  ]
  return temps.keep(run('PadV2', backend, { x }, { paddings, constantValue: 0 }))
}

/** Byte offset of a tensor in the wasm heap (what the SIMD kernels take). */
export function heapOffset(backend: HeapBackend, t: Info): number {
  return backend.typedArrayFromHeap(t).byteOffset
}

/**
 * A kernel that replaces the backend's own of the same name; `replace` gets the original (for the
 * cases it does not speed up). Registration keeps the original's setup, which binds its wasm function.
 */
export interface KernelOverride {
  kernelName: string
  replace: (original: tf.KernelFunc) => tf.KernelFunc
}

/**
 * Switches for benches that compare a kernel's paths in one process (bench/conv-grads.ts,
 * bench/profile-step.ts --composed): false sends Conv2D to the backend's kernel and the
 * convolution gradients to their forward-convolution formulations instead of the SIMD GEMMs.
 */
export const kernelOptions = { directConvolutions: true }
