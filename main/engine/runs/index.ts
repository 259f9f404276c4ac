/**
 * A run's folder on disk (runs/<id>/): where checkpoints, models and preprocessing.json live and
 * what preprocessing.json says. Written by training/, read by training/predict and export/.
 * Imports nothing from training/ or evaluation/.
 */
export { runDir, runPaths, type RunPaths } from './layout'
export {
  preprocessingOf,
  readPreprocessing,
  saveGraphStage,
  writePreprocessing,
  type Fit,
  type GraphStage,
  type Preprocessing,
  type Scaling,
} from './preprocessing'
