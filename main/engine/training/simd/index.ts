import { wasmBase64 as heapKernelsWasm } from './heap-kernels.wasm'
import { wasmBase64 as updateKernelsWasm } from './update-kernels.wasm'

/**
 * Hand-written WebAssembly SIMD kernels (the .wat files beside this one) for what TensorFlow.js's
 * wasm backend does slowly or not at all. Heap kernels are instantiated on the backend's own
 * memory, so they read and write tensors where they are; arguments are byte offsets.
 */
export interface HeapKernels {
  maxpool_grad_2x2(
    x: number,
    g: number,
    dx: number,
    B: number,
    H: number,
    W: number,
    C: number,
    OH: number,
    OW: number,
  ): void
  sum_rows(x: number, out: number, rows: number, C: number, tmp: number): void
  matmul_small_m(a: number, b: number, out: number, M: number, K: number, N: number): void
  conv_filter_grad(
    x: number,
    dy: number,
    dw: number,
    B: number,
    H: number,
    W: number,
    Cin: number,
    OH: number,
    OW: number,
    Cout: number,
    KH: number,
    KW: number,
    sh: number,
    sw: number,
    G: number,
  ): void
  conv_forward(
    x: number,
    w: number,
    y: number,
    B: number,
    H: number,
    W: number,
    Cin: number,
    OH: number,
    OW: number,
    Cout: number,
    KH: number,
    KW: number,
    sh: number,
    sw: number,
  ): void
  conv_input_grad(
    dy: number,
    wt: number,
    dx: number,
    B: number,
    OH: number,
    OW: number,
    Cout: number,
    Hp: number,
    Wp: number,
    Cin: number,
    KH: number,
    KW: number,
    sh: number,
    sw: number,
  ): void
}

const compiled = new Map<string, WebAssembly.Module>()
const instances = new Map<string, WeakMap<WebAssembly.Memory, unknown>>()

/** One instance of a kernel module per memory; null where the engine cannot run it (no wasm SIMD). */
function bind<T>(base64: string, memory: WebAssembly.Memory): T | null {
  let perMemory = instances.get(base64)
  if (!perMemory) instances.set(base64, (perMemory = new WeakMap()))
  let k = perMemory.get(memory) as T | undefined
  if (!k) {
    try {
      let m = compiled.get(base64)
      if (!m) compiled.set(base64, (m = new WebAssembly.Module(Buffer.from(base64, 'base64'))))
      k = new WebAssembly.Instance(m, { env: { memory } }).exports as T
    } catch {
      return null // the callers keep their JavaScript loops or the backend's kernels
    }
    perMemory.set(memory, k)
  }
  return k
}

/** The heap kernels bound to a wasm backend's memory (its Emscripten module's); null: none there, or no SIMD. */
export function heapKernels(backend: { wasm?: { asm?: { memory?: unknown } } }): HeapKernels | null {
  const memory = backend.wasm?.asm?.memory
  return memory instanceof WebAssembly.Memory ? bind<HeapKernels>(heapKernelsWasm, memory) : null
}

/**
 * The optimizers' update rules on a shared WebAssembly.Memory (the data-parallel stepper's). Byte
 * offsets; n a multiple of 4; `parts` gradient arrays `stride` bytes apart, summed in order.
 */
export interface UpdateKernels {
  adam(
    w: number,
    g: number,
    stride: number,
    parts: number,
    m: number,
    v: number,
    n: number,
    step: number,
    r: number,
    b1: number,
    k1: number,
    b2: number,
    k2: number,
    eps: number,
  ): void
  sgd(w: number, g: number, stride: number, parts: number, n: number, lr: number): void
  rmsprop(
    w: number,
    g: number,
    stride: number,
    parts: number,
    ms: number,
    mom: number,
    n: number,
    lr: number,
    decay: number,
    k: number,
    momentum: number,
    eps: number,
  ): void
}

export function updateKernels(memory: WebAssembly.Memory): UpdateKernels | null {
  return bind<UpdateKernels>(updateKernelsWasm, memory)
}
