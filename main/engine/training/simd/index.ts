import { wasmBase64 as heapKernelsWasm } from './heap-kernels.wasm'
import { wasmBase64 as updateKernelsWasm } from './update-kernels.wasm'

/**
 * Hand-written WebAssembly SIMD kernels (the .wat files beside this one) for what TensorFlow.js's
 * wasm backend does slowly or not at all. Heap kernels are instantiated on the backend's own
 * memory, so they read and write tensors where they are; arguments are byte offsets.
 */
export interface HeapKernels {
  maxpool_grad_2x2(x: number, g: number, dx: number, B: number, H: number, W: number, C: number, OH: number, OW: number): void
  sum_rows(x: number, out: number, rows: number, C: number, tmp: number): void
  matmul_small_m(a: number, b: number, out: number, M: number, K: number, N: number): void
  conv_filter_grad_small_cin(
    x: number, dy: number, dw: number, tmp: number,
    B: number, H: number, W: number, Cin: number, OH: number, OW: number, Cout: number, KH: number, KW: number,
  ): void
}

const compiled = new Map<string, WebAssembly.Module>()
function module(base64: string): WebAssembly.Module {
  let m = compiled.get(base64)
  if (!m) compiled.set(base64, (m = new WebAssembly.Module(Buffer.from(base64, 'base64'))))
  return m
}

const onHeap = new WeakMap<WebAssembly.Memory, HeapKernels>()

/** The heap kernels bound to a wasm backend's memory; null where there is none (or no SIMD). */
export function heapKernels(backend: unknown): HeapKernels | null {
  const memory = (backend as { wasm?: { asm?: { memory?: unknown } } }).wasm?.asm?.memory
  if (!(memory instanceof WebAssembly.Memory)) return null
  let k = onHeap.get(memory)
  if (!k) {
    try {
      k = new WebAssembly.Instance(module(heapKernelsWasm), { env: { memory } }).exports as unknown as HeapKernels
    } catch {
      return null // an engine without wasm SIMD: the callers keep their JavaScript loops
    }
    onHeap.set(memory, k)
  }
  return k
}

/**
 * The optimizers' update rules on a shared WebAssembly.Memory (the data-parallel stepper's). Byte
 * offsets; n a multiple of 4; `parts` gradient arrays `stride` bytes apart, summed in order.
 */
export interface UpdateKernels {
  adam(w: number, g: number, stride: number, parts: number, m: number, v: number, n: number, step: number, r: number, b1: number, k1: number, b2: number, k2: number, eps: number): void
  sgd(w: number, g: number, stride: number, parts: number, n: number, lr: number): void
  rmsprop(w: number, g: number, stride: number, parts: number, ms: number, mom: number, n: number, lr: number, decay: number, k: number, momentum: number, eps: number): void
}

const onShared = new WeakMap<WebAssembly.Memory, UpdateKernels>()

export function updateKernels(memory: WebAssembly.Memory): UpdateKernels | null {
  let k = onShared.get(memory)
  if (!k) {
    try {
      k = new WebAssembly.Instance(module(updateKernelsWasm), { env: { memory } }).exports as unknown as UpdateKernels
    } catch {
      return null
    }
    onShared.set(memory, k)
  }
  return k
}
