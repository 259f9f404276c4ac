/**
 * Entry of the training child process. The parent (runner.ts) sends `start` with the job; this
 * process trains and sends the run's events back (protocol.ts). It keeps the heavy work off the
 * event loop that serves the UI or CLI, and a crash here never takes the app down.
 */
import type { FromTrainer, ToTrainer } from './protocol'
import { runTraining } from './trainer'

let cancelled = false
const send = (msg: FromTrainer) =>
  new Promise<void>((resolve) => (process.send ? process.send(msg, () => resolve()) : resolve()))

process.on('message', (msg: ToTrainer) => {
  if (msg.type === 'cancel') {
    cancelled = true
    return
  }
  void runTraining(msg.job, { emit: (e) => void send(e), cancelled: () => cancelled }).then(async () => {
    await send({ type: 'exit' })
    process.exit(0)
  })
})
// The parent went away (quit, crash): stop at the next batch; the run is recorded as cancelled.
process.on('disconnect', () => {
  cancelled = true
})
