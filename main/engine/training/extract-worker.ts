/**
 * A feature-extraction thread (see extract-pool.ts): its own TensorFlow.js backend and the
 * backbone loaded once; per message, one batch of decoded pixels in, its features out (the
 * features' buffer is transferred back).
 */
import { parentPort } from 'node:worker_threads'
import * as tf from '@tensorflow/tfjs'
import { selectBackend } from './backend'
import { batchInputs, type FromExtractor, type ToExtractor } from './extract-batch'
import { loadBackbone, type Backbone } from './backbone-load'

let backbone: Backbone | null = null

const reply = (r: FromExtractor, transfer: ArrayBuffer[] = []) => parentPort!.postMessage(r, transfer)

parentPort!.on('message', (m: ToExtractor) => {
  void (async () => {
    try {
      if (m.type === 'init') {
        const got = await selectBackend(m.backend)
        if (got.name !== m.backend) throw new Error(`backend ${m.backend} did not start in the thread (${got.reason})`)
        const { dir, name, complete, inputSize } = m.source
        backbone = await loadBackbone(dir, name, { complete, inputSize })
        reply({ type: 'ready', featureDim: backbone.featureDim })
        return
      }
      const b = backbone!
      const y = tf.tidy(() => b.features(batchInputs(m.pixels, m.n, m.size, b.scaling, m.draws)))
      const data = y.dataSync() as Float32Array
      y.dispose()
      const own = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data : data.slice()
      reply({ type: 'features', features: own }, [own.buffer as ArrayBuffer])
    } catch (err) {
      reply({ type: 'error', message: err instanceof Error ? err.message : String(err) })
    }
  })()
})
