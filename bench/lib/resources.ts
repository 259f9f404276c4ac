import { createRequire } from 'node:module'
import os from 'node:os'

/**
 * The line every bench prints before its figures: the machine as the bench starts (cores, CPU,
 * memory, load averages) and what each side ran as, so a ratio can be read against equal (or
 * stated unequal) resources. RESULTS.md quotes it in each section.
 */
export interface BenchResources {
  /** What Studio ran as: processes, threads, data-parallel workers, files in flight. */
  studio: string
  /** What the peer ran as; a bench without a peer process says what it compares against. */
  peer: string
  /** What computes: the TF.js backend, libvips, SQLite… */
  backend?: string
}

type TrainerBackend = 'tensorflow' | 'wasm' | 'cpu'

/** "2 cores (AMD EPYC 7B13), 7.8 GiB RAM, load 1.52/1.20/0.90 (1/5/15 min), Node v20.20.2". */
export function machine(): string {
  const model = os.cpus()[0]?.model.trim().replace(/\s+/g, ' ') ?? 'unknown CPU'
  const load = os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join('/')
  return (
    `${os.availableParallelism()} cores (${model}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ` +
    `load ${load} (1/5/15 min) at start, Node ${process.version}`
  )
}

/**
 * The TF.js backend a trainer started now picks, without loading one: STUDIO_BACKEND when set,
 * else native TensorFlow where tfjs-node is installed, else WebAssembly (training/backend.ts's
 * order). The trainer's own start line says what it did pick.
 */
export function trainerBackend(): { name: TrainerBackend; text: string } {
  const set = process.env.STUDIO_BACKEND?.trim()
  if (set === 'tensorflow' || set === 'wasm' || set === 'cpu') return { name: set, text: `${set} (STUDIO_BACKEND)` }
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-node')
    return { name: 'tensorflow', text: 'tensorflow (tfjs-node installed)' }
  } catch {
    return { name: 'wasm', text: 'wasm (no tfjs-node here)' }
  }
}

/** The trainer's data-parallel plan without a `workers` setting (training/parallel.ts `autoWorkers`). */
export async function trainerWorkers(backend: TrainerBackend = trainerBackend().name): Promise<string> {
  const { autoWorkers } = await import('../../main/engine/training/parallel')
  return autoWorkers(backend, null).why
}

/** Prints `resources: machine …; Studio: …; peer: …; backend: …` and returns it. */
export function printResources(r: BenchResources, say: (line: string) => void = (l) => console.log(l)): string {
  const line =
    `resources: ${machine()}; Studio: ${r.studio}; peer: ${r.peer}` + (r.backend ? `; backend: ${r.backend}` : '')
  say(line)
  return line
}
