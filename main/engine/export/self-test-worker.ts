import { performance } from 'node:perf_hooks'
import type { FormatOutput, FromSelfTest, SelfTestJob, ToSelfTest } from './self-test-protocol'
import { openRuntime } from './self-test-runtimes'

/**
 * The export self-test's fresh process (forked by self-test-run.ts; a build entry of its own,
 * out/main/self-test-worker.js, run by Electron as plain Node). It knows only the export folder
 * and the original image files, loads each format with its runtime and answers its probabilities.
 */

/** Images per call to a model: large enough to keep the runtime busy, small enough for a 224 px MobileNet. */
const BATCH = 16

const send = (m: FromSelfTest) =>
  new Promise<void>((resolve, reject) => process.send!(m, undefined, {}, (err) => (err ? reject(err) : resolve())))

async function testFormat(job: SelfTestJob, f: SelfTestJob['formats'][number]): Promise<FormatOutput> {
  const t0 = performance.now()
  const seconds = () => (performance.now() - t0) / 1000
  const out: FormatOutput = { runtime: null, preprocessing: null, probs: [], seconds: 0, error: null, skipped: null }
  try {
    const rt = await openRuntime(job.dir, f, job.onnxRuntimes)
    if (typeof rt === 'string') return { ...out, skipped: rt, seconds: seconds() }
    out.runtime = rt.name
    out.preprocessing = rt.preprocessing
    try {
      for (let i = 0; i < job.files.length; i += BATCH) {
        out.probs.push(...(await rt.classify(job.files.slice(i, i + BATCH))))
        await send({ type: 'progress', format: f.format, done: out.probs.length, total: job.files.length })
      }
    } finally {
      await rt.dispose()
    }
  } catch (err) {
    return { ...out, probs: [], error: err instanceof Error ? err.message : String(err), seconds: seconds() }
  }
  return { ...out, seconds: seconds() }
}

async function run(job: SelfTestJob): Promise<void> {
  for (const f of job.formats) await send({ type: 'format', format: f.format, ...(await testFormat(job, f)) })
  await send({ type: 'end' })
  process.disconnect()
}

// The runner going away (cancel, crash) ends this process too.
process.on('disconnect', () => process.exit(0))
process.once('message', (m: ToSelfTest) => {
  if (m.type === 'start') run(m.job).catch(() => process.exit(1))
})
