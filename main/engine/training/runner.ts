import { fork } from 'node:child_process'
import { ConflictError, NotFoundError } from '../errors'
import { entryOf, forkArgs } from '../entries'
import { createDatasetVersion, splitGroupsOf } from '../datasets/versions'
import { acquireLock } from '../lock'
import type { RunStatus } from '../store'
import type { Studio } from '../studio'
import { nowIso } from '../util'
import { bundledModelsDir } from './backbones'
import { reapCrashedRuns, TRAIN_LOCK } from './crashed-runs'
import { withDefaults, type TrainConfig } from './config'
import { presets } from './presets/registry'
import type { TrainEvent } from './events'
import type { FromTrainer, ToTrainer, TrainJob } from './protocol'

export interface TrainingHandle {
  runId: number
  /** Process id of the training process. */
  pid: number
  /** Stop after the current batch; the run is recorded as cancelled and can be resumed. */
  cancel(): void
  /** Resolves with the final status once the training process has exited. */
  done: Promise<RunStatus>
}

/** Freezes a dataset version, records the run, and trains it in a child process. */
export interface TrainOptions {
  /** Folder of pretrained backbones for the transfer preset (default STUDIO_MODELS_DIR or ~/.studio/models). */
  modelsDir?: string | null
  /** The training process's entry; default: entryOf('worker') (worker.ts through tsx, or a build's worker.js). */
  workerEntry?: string
}

export function startTraining(
  studio: Studio,
  config: Partial<TrainConfig>,
  onEvent: (e: TrainEvent) => void = () => {},
  opts: TrainOptions = {},
): TrainingHandle {
  const cfg = withDefaults(config, presets, { modelsDir: opts.modelsDir ?? null })
  const release = acquireLock(studio.root, TRAIN_LOCK, 'A training run')
  try {
    reapCrashedRuns(studio.store, studio.root)
    const datasetVersion = createDatasetVersion(
      studio.store,
      { fractions: cfg.fractions, seed: cfg.seed, useOriginSplits: cfg.useOriginSplits },
      splitGroupsOf(studio),
    )
    const runId = studio.store.runs.create({
      datasetVersion,
      preset: cfg.preset,
      config: JSON.stringify(cfg),
      createdAt: nowIso(),
      pid: process.pid,
    })
    return spawnTrainer(
      studio,
      {
        projectDir: studio.root,
        runId,
        resume: false,
        modelsDir: opts.modelsDir ?? null,
        bundledModelsDir: bundledModelsDir(),
        nativeBinding: studio.openOptions.nativeBinding,
      },
      onEvent,
      release,
      opts.workerEntry,
    )
  } catch (err) {
    release()
    throw err
  }
}

/** Continues a failed, cancelled or crashed run from its last checkpoint. */
export function resumeTraining(
  studio: Studio,
  runId: number,
  onEvent: (e: TrainEvent) => void = () => {},
  opts: TrainOptions = {},
): TrainingHandle {
  const release = acquireLock(studio.root, TRAIN_LOCK, 'A training run')
  try {
    reapCrashedRuns(studio.store, studio.root)
    const run = studio.store.runs.get(runId)
    if (!run) throw new NotFoundError(`run ${runId} does not exist`)
    if (run.status === 'done') throw new ConflictError(`run ${runId} has finished; there is nothing to resume`)
    studio.store.runs.restart(runId, process.pid)
    return spawnTrainer(
      studio,
      {
        projectDir: studio.root,
        runId,
        resume: true,
        modelsDir: opts.modelsDir ?? null,
        bundledModelsDir: bundledModelsDir(),
        nativeBinding: studio.openOptions.nativeBinding,
      },
      onEvent,
      release,
      opts.workerEntry,
    )
  } catch (err) {
    release()
    throw err
  }
}

/**
 * worker.ts beside this file from source (or the command's build of it, entries.ts); in a build
 * (electron-vite bundles this file into out/main/index.js) out/main/worker.js, an entry of the same bundle.
 */
const defaultWorkerEntry = (): string => entryOf('worker', import.meta.url)

function spawnTrainer(
  studio: Studio,
  job: TrainJob,
  onEvent: (e: TrainEvent) => void,
  release: () => void,
  entry = defaultWorkerEntry(),
): TrainingHandle {
  // Inside Electron, fork runs the Electron binary as plain Node (ELECTRON_RUN_AS_NODE).
  const child = fork(entry, [], {
    execArgv: forkArgs(entry),
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  let ended: RunStatus | null = null
  const send = (m: ToTrainer) => child.send(m)
  child.on('message', (m: FromTrainer) => {
    if (m.type === 'exit') return
    if (m.type === 'end') ended = m.status
    onEvent(m)
  })
  const done = new Promise<RunStatus>((resolve) => {
    child.on('exit', (code, signal) => {
      if (!ended) {
        const error = `the training process ended unexpectedly (${signal ? `signal ${signal}` : `exit code ${code}`}); resume it to continue`
        studio.store.runs.finish(job.runId, 'failed', nowIso(), error)
        ended = 'failed'
        onEvent({ type: 'end', runId: job.runId, status: 'failed', error })
      }
      release()
      resolve(ended)
    })
  })
  send({ type: 'start', job })
  return {
    runId: job.runId,
    pid: child.pid!,
    cancel: () => {
      if (child.connected) send({ type: 'cancel' })
    },
    done,
  }
}
