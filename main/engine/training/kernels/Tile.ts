import * as tf from '@tensorflow/tfjs'
import { type KernelArgs, type KernelOverride, type KernelResult, type RawKernelArgs, wasmKernel } from './wasm-kernel'

/**
 * Tile (float32) in JavaScript over the heap: each row of the output's last axis is the input's
 * row it comes from, repeated, and a row equal to the one before it in the source is a block copy.
 * Batch normalization's gradient tiles its per-channel values over the whole batch ([1,1,1,C] →
 * [N,H,W,C]); the backend's kernel, index by index, took longer than the step's convolutions
 * (bench/RESULTS.md, "Kernel timings").
 */
function tile(original: tf.KernelFunc) {
  return ({ inputs, backend, attrs }: KernelArgs<'x', tf.TileAttrs>, raw: RawKernelArgs): KernelResult => {
    const { x } = inputs
    const { reps } = attrs
    const r = x.shape.length
    if (x.dtype !== 'float32' || r === 0 || reps.length !== r) return original(raw)
    const outShape = x.shape.map((d, i) => d * reps[i]!)
    const out = backend.makeOutput(outShape, 'float32')
    // Views after the allocation (it may grow the heap and move the buffer).
    const dst = backend.typedArrayFromHeap(out)
    const src = backend.typedArrayFromHeap(x)
    if (!dst.length) return out
    const last = x.shape[r - 1]!
    const rowLen = last * reps[r - 1]!
    // Source strides of the leading axes (in rows of the last axis).
    const strides = new Array<number>(r - 1)
    let s = 1
    for (let i = r - 2; i >= 0; i--) {
      strides[i] = s
      s *= x.shape[i]!
    }
    const rows = dst.length / rowLen
    const idx = new Array<number>(r - 1).fill(0)
    let prevSrc = -1
    for (let row = 0; row < rows; row++) {
      let srcRow = 0
      for (let i = 0; i < r - 1; i++) srcRow += (idx[i]! % x.shape[i]!) * strides[i]!
      const at = row * rowLen
      if (srcRow === prevSrc) dst.copyWithin(at, at - rowLen, at)
      else {
        const from = src.subarray(srcRow * last, (srcRow + 1) * last)
        for (let k = 0; k < rowLen; k += last) dst.set(from, at + k)
      }
      prevSrc = srcRow
      for (let i = r - 2; i >= 0; i--) {
        if (++idx[i]! < outShape[i]!) break
        idx[i] = 0
      }
    }
    return out
  }
}

export const tileConfig: KernelOverride = {
  kernelName: 'Tile',
  replace: (original) => wasmKernel(['x'], tile(original)),
}
