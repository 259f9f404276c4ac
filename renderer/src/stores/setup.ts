import { useEventsStore } from './events'
import { useImportsStore } from './imports'
import { useRunsStore } from './runs'
import { useTrainingStore } from './training'

/**
 * Starts the state that follows the engine for the page's whole life: the one event subscription and
 * the stores fed by it. Called once by main.ts, so a run or an import is followed whichever view is open.
 */
export function setupStores(): void {
  useEventsStore()
  useRunsStore()
  useTrainingStore()
  useImportsStore()
}
