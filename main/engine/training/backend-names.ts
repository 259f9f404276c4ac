/** The TF.js backends Studio can train on, fastest first (backend.ts picks among them at run time). */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu'
export const BACKENDS: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu']
