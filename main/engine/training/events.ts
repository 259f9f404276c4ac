/** Progress of a training run, as the trainer reports it (and the UI contract will carry it). */
export type TrainEvent =
  | {
      type: 'start'
      runId: number
      backend: string
      backendVersion: string
      backendReason: string
      workers: number
      trainCount: number
      valCount: number
      epochs: number
      batchesPerEpoch: number
      startEpoch: number
    }
  | {
      type: 'batch'
      runId: number
      epoch: number
      batch: number
      batches: number
      loss: number
      accuracy: number
      imagesPerSec: number
      etaSeconds: number
    }
  | {
      type: 'epoch'
      runId: number
      epoch: number
      loss: number
      accuracy: number
      valLoss: number | null
      valAccuracy: number | null
      seconds: number
      imagesPerSec: number
      etaSeconds: number
      best: boolean
    }
  | { type: 'problem'; runId: number; imageId: number; reason: string }
  | { type: 'phase'; runId: number; phase: 'decoding' | 'training' | 'evaluating' | 'saving' }
  | { type: 'end'; runId: number; status: 'done' | 'failed' | 'cancelled'; error: string | null }
