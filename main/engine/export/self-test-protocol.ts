/**
 * Messages between the export self-test's runner (self-test-run.ts) and the fresh process it forks
 * (self-test-worker.ts). Types only: the process imports nothing of Studio's engine.
 */

/** One format to load: its name and its model file, relative to the export folder. */
export interface FormatToTest {
  format: 'tfjs' | 'tfjs-float16' | 'tfjs-uint8' | 'tm' | 'onnx'
  modelFile: string
}

export interface SelfTestJob {
  /** The export folder, as written. */
  dir: string
  formats: FormatToTest[]
  /** Original image files, in the order of the stored predictions. */
  files: string[]
  /**
   * ONNX runtimes to try, in order; default: STUDIO_ONNX_RUNTIME (one package name) in the process's
   * environment, else onnxruntime-node where it loads, else onnxruntime-web (WebAssembly).
   */
  onnxRuntimes?: OnnxRuntimePackage[]
}

/** The packages that can run model.onnx in the self-test. */
export type OnnxRuntimePackage = 'onnxruntime-node' | 'onnxruntime-web'

export type ToSelfTest = { type: 'start'; job: SelfTestJob }

/** What the process answered for one format. */
export interface FormatOutput {
  runtime: string | null
  preprocessing: string | null
  /** Per image: the probabilities, or null when the file could not be read. */
  probs: (Float32Array | null)[]
  seconds: number
  /** The format could not be loaded or run (a real failure). */
  error: string | null
  /** The runtime is not installed in this process: nothing was checked. */
  skipped: string | null
}

export type FromSelfTest =
  | { type: 'progress'; format: FormatToTest['format']; done: number; total: number }
  | ({ type: 'format'; format: FormatToTest['format'] } & FormatOutput)
  | { type: 'end' }
