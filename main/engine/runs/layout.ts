import path from 'node:path'

/** A run's folder inside the project: runs/<id>/. */
export function runDir(projectDir: string, runId: number): string {
  return path.join(projectDir, 'runs', String(runId))
}

/** Everything a run keeps on disk, by role (see docs/ARCHITECTURE.md, "The project on disk"). */
export interface RunPaths {
  dir: string
  /** Last finished epoch: weights, optimizer state, trainer state (resume starts here). */
  checkpoint: string
  /** Weights of the epoch with the best validation loss so far. */
  best: string
  /** The final model: what predict and the export load. */
  model: string
  /** A graph-model backbone that runs before `model` (transfer with a graph backbone only). */
  backbone: string
  /** How an image becomes the model's input (see preprocessing.ts). */
  preprocessing: string
}

export function runPaths(projectDir: string, runId: number): RunPaths {
  const dir = runDir(projectDir, runId)
  return {
    dir,
    checkpoint: path.join(dir, 'checkpoint'),
    best: path.join(dir, 'best'),
    model: path.join(dir, 'model'),
    backbone: path.join(dir, 'backbone'),
    preprocessing: path.join(dir, 'preprocessing.json'),
  }
}
