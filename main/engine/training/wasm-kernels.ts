import * as tf from '@tensorflow/tfjs'
import { heapKernels } from './simd'

/**
 * Training kernels for the wasm backend: the gradients it lacks (Conv2DBackpropFilter, the two
 * depthwise gradients) and faster versions of ones a profile of the seed CNN showed dominating a
 * step (Conv2DBackpropInput at stride 1, MaxPoolGrad, matMul with a transposed operand). Each is
 * checked against the cpu backend in tests/engine/training/wasm-kernels.test.ts.
 *
 * Conv2DBackpropFilter: dW[kh,kw,ci,co] = Σ_{b,oh,ow} x[b, oh·s + kh·d − pad, ow·s + kw·d − pad, ci] · dy[b,oh,ow,co].
 * With the batch as the channel axis this is one forward convolution (shared/notes/wasm-training.md):
 * input x padded and transposed to [Cin, H, W, B], "filter" dy transposed to [OH, OW, B, Cout],
 * stride = the original dilation, dilation = the original stride, then [Cin, KH, KW, Cout] → [KH, KW, Cin, Cout].
 * It runs at the backend's forward-conv speed (≈ 20 GFLOP/s here) instead of an im2col loop.
 */
export function registerWasmGradientKernels(): void {
  if (tf.getKernel('Conv2DBackpropFilter', 'wasm')) return
  tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2dBackpropFilter })
  // A dense layer's weight gradient is x^T·dy: the backend's matMul with a transposed operand runs
  // 6× slower than transposing it first (141 vs 23 ms for 4608×32 · 32×512 here).
  wrap('BatchMatMul', batchMatMul)
  // MaxPoolGrad took 144 ms for 32×62×62×32; for pools whose window equals the stride it is a
  // handful of memory-bound kernels (see maxPoolGrad).
  wrap('MaxPoolGrad', maxPoolGrad)
  // A bias gradient sums over every axis but the channels: the backend transposes first (4.8 ms
  // for 16×62×62×32); one SIMD pass over the rows instead.
  wrap('Sum', sumLeadingAxes)
  // Missing in wasm; MobileNet fine-tuning needs both. Plain loops over the heap (depthwise
  // convolutions have few multiply-adds per output, so memory traffic, not arithmetic, dominates).
  tf.registerKernel({ kernelName: 'DepthwiseConv2dNativeBackpropFilter', backendName: 'wasm', kernelFunc: depthwiseBackpropFilter })
  tf.registerKernel({ kernelName: 'DepthwiseConv2dNativeBackpropInput', backendName: 'wasm', kernelFunc: depthwiseBackpropInput })
  // The backend's own input gradient is 7–10× slower than its forward convolution (shared/notes);
  // for stride 1 the same result comes from one forward convolution. Other strides keep the original.
  const original = tf.getKernel('Conv2DBackpropInput', 'wasm')
  if (original) {
    tf.unregisterKernel('Conv2DBackpropInput', 'wasm')
    tf.registerKernel({
      kernelName: 'Conv2DBackpropInput',
      backendName: 'wasm',
      // The original's setup binds its wasm function when the backend starts; keep it for the fallback.
      setupFunc: original.setupFunc,
      kernelFunc: conv2dBackpropInput(original.kernelFunc),
    })
  }
}

/** Replaces a wasm kernel by `make(original)`, keeping the original's setup (it binds its wasm function). */
function wrap(name: string, make: (original: tf.KernelFunc) => tf.KernelFunc): void {
  const original = tf.getKernel(name, 'wasm')
  if (!original) return
  tf.unregisterKernel(name, 'wasm')
  tf.registerKernel({ kernelName: name, backendName: 'wasm', setupFunc: original.setupFunc, kernelFunc: make(original.kernelFunc) })
}

type Info = tf.TensorInfo
type Shape4 = [number, number, number, number]

/** Attributes the two convolution-gradient kernels receive. */
interface ConvGradAttrs {
  strides: [number, number] | number
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding
  dataFormat: 'NHWC' | 'NCHW'
  dimRoundingMode?: 'floor' | 'round' | 'ceil'
  filterShape: Shape4
  inputShape: Shape4
}

interface Backend {
  disposeData(id: object): void
}

function run(name: string, backend: Backend, inputs: Record<string, Info>, attrs: Record<string, unknown>): Info {
  const k = tf.getKernel(name, 'wasm')
  if (!k) throw new Error(`wasm backend has no ${name} kernel`)
  return k.kernelFunc({ inputs, backend: backend as never, attrs: attrs as never }) as Info
}

const conv2dBackpropFilter: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: Info; dy: Info }
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as ConvGradAttrs
  if (dataFormat === 'NCHW') throw new Error('Conv2DBackpropFilter on wasm supports NHWC only')
  const b = backend as unknown as Backend
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as Shape4, filterShape, strides, 1, pad, dimRoundingMode,
  )
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info
  if ((sh > 1 || sw > 1) && (dh > 1 || dw > 1)) throw new Error('Conv2DBackpropFilter on wasm: strides and dilations > 1 together')
  const [B, H, W, Cin] = x.shape as Shape4
  const [KH, KW, , Cout] = filterShape
  const { top, left } = info.padInfo
  // A first layer (RGB input): one SIMD pass, 2× the backend's convolution with 3 channels.
  const simd = heapKernels(backend)
  const inside = info.outHeight + KH - 1 <= H && info.outWidth + KW - 1 <= W
  if (simd && Cin <= 4 && Cout % 8 === 0 && sh === 1 && sw === 1 && dh === 1 && dw === 1 && !top && !left && inside && x.dtype === 'float32') {
    const hb = backend as unknown as HeapBackend
    const out = hb.makeOutput([KH, KW, Cin, Cout], 'float32')
    const tmp = hb.makeOutput([KH, KW, Cin, Cout], 'float32')
    try {
      const at = (t: Info) => hb.typedArrayFromHeap(t).byteOffset
      simd.conv_filter_grad_small_cin(at(x), at(dy), at(out), at(tmp), B, H, W, Cin, info.outHeight, info.outWidth, Cout, KH, KW)
    } finally {
      hb.disposeData(tmp.dataId)
    }
    return out
  }
  // Pad so that every (kh, oh) tap lands inside: rows needed = (KH−1)·dh + (OH−1)·sh + 1.
  const needH = (KH - 1) * dh + (info.outHeight - 1) * sh + 1
  const needW = (KW - 1) * dw + (info.outWidth - 1) * sw + 1
  const bottom = Math.max(0, needH - H! - top)
  const right = Math.max(0, needW - W! - left)
  const temps: Info[] = []
  const keep = (t: Info) => (temps.push(t), t)
  try {
    const padded =
      top || left || bottom || right
        ? keep(run('PadV2', b, { x }, { paddings: [[0, 0], [top, bottom], [left, right], [0, 0]], constantValue: 0 }))
        : x
    const xt = keep(run('Transpose', b, { x: padded }, { perm: [3, 1, 2, 0] }))
    const dyt = keep(run('Transpose', b, { x: dy }, { perm: [1, 2, 0, 3] }))
    const conv = keep(
      run('Conv2D', b, { x: xt, filter: dyt }, { strides: [dh, dw], pad: 'valid', dilations: [sh, sw], dataFormat: 'NHWC' }),
    )
    const [, ch, cw] = conv.shape
    const cropped = ch === KH && cw === KW ? conv : keep(run('Slice', b, { x: conv }, { begin: [0, 0, 0, 0], size: [-1, KH, KW, -1] }))
    return run('Transpose', b, { x: cropped }, { perm: [1, 2, 0, 3] })
  } finally {
    for (const t of temps) b.disposeData(t.dataId)
  }
}

/**
 * Conv2DBackpropInput for stride 1, dilation 1: dx = valid convolution of dy, zero-padded by
 * (K−1−pad) before and enough after, with the filter flipped in space and its in/out channels swapped.
 */
function conv2dBackpropInput(fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args
    const { dy, filter } = inputs as { dy: Info; filter: Info }
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as ConvGradAttrs
    const fShape = filter.shape as Shape4
    const info = tf.backend_util.computeConv2DInfo(inputShape, fShape, strides, 1, pad, dimRoundingMode)
    if (dataFormat === 'NCHW' || info.strideHeight !== 1 || info.strideWidth !== 1) return fallback(args)
    const b = backend as unknown as Backend
    const [KH, KW] = fShape
    const [, H, W] = inputShape
    const top = KH - 1 - info.padInfo.top
    const left = KW - 1 - info.padInfo.left
    const bottom = H + KH - 1 - info.outHeight - top
    const right = W + KW - 1 - info.outWidth - left
    if (top < 0 || left < 0 || bottom < 0 || right < 0) return fallback(args)
    const temps: Info[] = []
    const keep = (t: Info) => (temps.push(t), t)
    try {
      const padded = top || left || bottom || right
        ? keep(run('PadV2', b, { x: dy }, { paddings: [[0, 0], [top, bottom], [left, right], [0, 0]], constantValue: 0 }))
        : dy
      const flipped = keep(run('Reverse', b, { x: filter }, { dims: [0, 1] }))
      const swapped = keep(run('Transpose', b, { x: flipped }, { perm: [0, 1, 3, 2] }))
      return run('Conv2D', b, { x: padded, filter: swapped }, { strides: [1, 1], pad: 'valid', dilations: [1, 1], dataFormat: 'NHWC' })
    } finally {
      for (const t of temps) b.disposeData(t.dataId)
    }
  }
}

/**
 * Batched matMul with transposed operands transposed up front, then the backend's fast path. When b
 * is transposed and much larger than a (a dense layer's input gradient dy·Wᵀ, W 4608×512) the
 * product is computed as (b·aᵀ)ᵀ instead: that transposes the small a and the small result, not W
 * (22.8 → 3 ms for 16×512 · (4608×512)ᵀ), and the backend packs the small operand as its weights.
 */
function batchMatMul(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args
    const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean }
    if (!transposeA && !transposeB) return smallTimesLarge(args) ?? original(args)
    const b = backend as unknown as Backend
    let { a, b: bb } = inputs as { a: Info; b: Info }
    const temps: Info[] = []
    const transposed = (t: Info) => {
      const r = t.shape.length
      const perm = [...Array(r).keys()]
      ;[perm[r - 2], perm[r - 1]] = [perm[r - 1]!, perm[r - 2]!]
      return run('Transpose', b, { x: t }, { perm })
    }
    const swapLast = (t: Info) => (temps.push(transposed(t)), temps.at(-1)!)
    const matMul = (x: Info, y: Info) => original({ inputs: { a: x, b: y }, backend, attrs: { ...attrs, transposeA: false, transposeB: false } as never }) as Info
    try {
      const size = (t: Info) => t.shape.reduce((p, d) => p * d, 1)
      const [m, k] = a.shape.slice(-2) as [number, number]
      const n = bb.shape.at(-2)!
      // a·bᵀ = (b·aᵀ)ᵀ: moves a (m·k) and the result (m·n) instead of b (n·k). Same batch shapes only.
      if (!transposeA && transposeB && a.shape.length === bb.shape.length && m * k + m * n < size(bb) / 2) {
        const product = matMul(bb, swapLast(a))
        temps.push(product)
        return transposed(product)
      }
      if (transposeA) a = swapLast(a)
      if (transposeB) bb = swapLast(bb)
      return matMul(a, bb)
    } finally {
      for (const t of temps) b.disposeData(t.dataId)
    }
  }
}

/**
 * a·b for a few rows of a (≤ 64) and a large b (a dense layer's forward pass on a batch: 16×4608 ·
 * 4608×512) with the SIMD kernel: the backend repacks all of b first, every step, since the
 * weights change (11 → 4 ms). null: not such a product.
 */
function smallTimesLarge({ inputs, backend }: Parameters<tf.KernelFunc>[0]): Info | null {
  const { a, b: bb } = inputs as { a: Info; b: Info }
  const simd = heapKernels(backend)
  if (!simd || a.dtype !== 'float32' || bb.dtype !== 'float32') return null
  const [M, K] = a.shape.slice(-2) as [number, number]
  const N = bb.shape.at(-1)!
  // One matrix each (leading dimensions 1), the kernel's column blocking, and a b worth skipping the packing for.
  if (a.shape.length !== bb.shape.length || [...a.shape.slice(0, -2), ...bb.shape.slice(0, -2)].some((d) => d !== 1)) return null
  if (M > 64 || N % 8 !== 0 || K * N < 65536) return null
  const b = backend as unknown as HeapBackend
  const out = b.makeOutput([...a.shape.slice(0, -2), M, N], 'float32')
  simd.matmul_small_m(b.typedArrayFromHeap(a).byteOffset, b.typedArrayFromHeap(bb).byteOffset, b.typedArrayFromHeap(out).byteOffset, M, K, N)
  return out
}

/** The wasm backend's access to tensor memory, for kernels written as plain loops. */
interface HeapBackend extends Backend {
  makeOutput(shape: number[], dtype: 'float32'): Info
  typedArrayFromHeap(t: Info): Float32Array
}

/**
 * MaxPoolGrad as one pass in JavaScript over the heap: every output position sends its gradient to
 * the first maximum of its window in row-major order (padding excluded) — what the cpu backend
 * does. The backend's kernel took 144 ms for 32×62×62×32, composing it from slices 700 ms; this
 * loop ≈ 10 ms.
 */
function maxPoolGrad(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args
    const { dy, input } = inputs as { dy: Info; input: Info }
    const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as {
      filterSize: [number, number] | number; strides: [number, number] | number; pad: 'valid' | 'same' | number; dimRoundingMode?: 'floor' | 'round' | 'ceil'
    }
    if (input.dtype !== 'float32') return original(args)
    const info = tf.backend_util.computePool2DInfo(input.shape as Shape4, filterSize, strides, 1, pad, dimRoundingMode)
    const b = backend as unknown as HeapBackend
    const [B, H, W, C] = input.shape as Shape4
    const { outHeight: OH, outWidth: OW, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info
    const { effectiveFilterHeight: EH, effectiveFilterWidth: EW } = info
    const top = info.padInfo.top
    const left = info.padInfo.left
    const out = b.makeOutput([B, H, W, C], 'float32')
    // Views after the allocation (it may grow the heap and move the buffer).
    const dx = b.typedArrayFromHeap(out)
    const x = b.typedArrayFromHeap(input)
    const g = b.typedArrayFromHeap(dy)
    // Non-overlapping 2×2 windows that all lie inside the input (a 'same' pool of an odd size does
    // not), channels in groups of 4: the SIMD kernel (13.6 → < 1 ms for 16×62×62×32).
    const simd = C % 4 === 0 ? heapKernels(backend) : null
    if (simd && EH === 2 && EW === 2 && sh === 2 && sw === 2 && top === 0 && left === 0 && 2 * OH <= H && 2 * OW <= W) {
      // Writes every position its windows cover; an odd last row or column gets no gradient.
      if (H !== 2 * OH || W !== 2 * OW) dx.fill(0)
      simd.maxpool_grad_2x2(x.byteOffset, g.byteOffset, dx.byteOffset, B, H, W, C, OH, OW)
      return out
    }
    dx.fill(0)
    for (let n = 0; n < B; n++) {
      for (let oh = 0; oh < OH; oh++) {
        const r0 = oh * sh - top
        for (let ow = 0; ow < OW; ow++) {
          const c0 = ow * sw - left
          const gBase = ((n * OH + oh) * OW + ow) * C
          for (let c = 0; c < C; c++) {
            let best = -Infinity
            let at = -1
            for (let r = r0; r < r0 + EH; r += dh) {
              if (r < 0 || r >= H) continue
              for (let q = c0; q < c0 + EW; q += dw) {
                if (q < 0 || q >= W) continue
                const i = ((n * H + r) * W + q) * C + c
                if (x[i]! > best) {
                  best = x[i]!
                  at = i
                }
              }
            }
            if (at >= 0) dx[at]! += g[gBase + c]!
          }
        }
      }
    }
    return out
  }
}

/** Sum over all axes but the last (float32, channels a multiple of 4) as one SIMD pass. */
function sumLeadingAxes(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args
    const { x } = inputs as { x: Info }
    const { axis, keepDims } = attrs as unknown as { axis: number | number[]; keepDims: boolean }
    const r = x.shape.length
    const C = x.shape[r - 1]!
    const axes = [...tf.util.parseAxisParam(axis, x.shape)].sort((a, b) => a - b)
    const simd = heapKernels(backend)
    if (!simd || x.dtype !== 'float32' || r < 2 || C % 4 !== 0 || axes.length !== r - 1 || axes.some((a, i) => a !== i)) return original(args)
    const b = backend as unknown as HeapBackend
    const out = b.makeOutput(keepDims ? [...Array(r - 1).fill(1), C] : [C], 'float32')
    const tmp = b.makeOutput([C], 'float32')
    try {
      const rows = x.shape.reduce((p, d) => p * d, 1) / C
      simd.sum_rows(b.typedArrayFromHeap(x).byteOffset, b.typedArrayFromHeap(out).byteOffset, rows, C, b.typedArrayFromHeap(tmp).byteOffset)
    } finally {
      b.disposeData(tmp.dataId)
    }
    return out
  }
}

interface DepthwiseGradAttrs {
  strides: [number, number] | number
  dilations: [number, number] | number
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding
  dimRoundingMode?: 'floor' | 'round' | 'ceil'
  filterShape?: Shape4
  inputShape?: Shape4
}

function depthwiseInfo(xShape: Shape4, filterShape: Shape4, a: DepthwiseGradAttrs) {
  const info = tf.backend_util.computeConv2DInfo(xShape, filterShape, a.strides, a.dilations, a.pad, a.dimRoundingMode, true)
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1) throw new Error('depthwise convolution gradients support dilation 1 only (as TensorFlow.js does)')
  return info
}

/**
 * Every tap of a depthwise convolution inside the input: for each output position (n, oh, ow) and
 * filter position (fh, fw) that reads a row and column inside [H, W], `visit` gets the offsets of
 * dy[n, oh, ow, 0], x[n, r, q, 0] and w[fh, fw, 0, 0] (channels innermost, multiplier M per channel).
 */
function forEachTap(
  info: tf.backend_util.Conv2DInfo,
  [B, H, W, C]: Shape4,
  visit: (gBase: number, xBase: number, wBase: number) => void,
): void {
  const { outHeight: OH, outWidth: OW, strideHeight: sh, strideWidth: sw, filterHeight: FH, filterWidth: FW } = info
  const M = info.outChannels / info.inChannels
  const { top, left } = info.padInfo
  for (let n = 0; n < B; n++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const gBase = ((n * OH + oh) * OW + ow) * C * M
        for (let fh = 0; fh < FH; fh++) {
          const r = oh * sh - top + fh
          if (r < 0 || r >= H) continue
          for (let fw = 0; fw < FW; fw++) {
            const q = ow * sw - left + fw
            if (q < 0 || q >= W) continue
            visit(gBase, ((n * H + r) * W + q) * C, (fh * FW + fw) * C * M)
          }
        }
      }
    }
  }
}

/** dW[fh, fw, c, m] = Σ_{b, oh, ow} x[b, oh·s + fh − pad, ow·s + fw − pad, c] · dy[b, oh, ow, c·M + m] */
const depthwiseBackpropFilter: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: Info; dy: Info }
  const a = attrs as unknown as DepthwiseGradAttrs
  const info = depthwiseInfo(x.shape as Shape4, a.filterShape!, a)
  const b = backend as unknown as HeapBackend
  const C = x.shape[3]!
  const M = info.outChannels / info.inChannels
  const acc = new Float64Array(info.filterHeight * info.filterWidth * C * M)
  const out = b.makeOutput([info.filterHeight, info.filterWidth, C, M], 'float32')
  const xv = b.typedArrayFromHeap(x)
  const g = b.typedArrayFromHeap(dy)
  forEachTap(info, x.shape as Shape4, (gBase, xBase, wBase) => {
    if (M === 1) {
      for (let c = 0; c < C; c++) acc[wBase + c]! += xv[xBase + c]! * g[gBase + c]!
      return
    }
    for (let c = 0; c < C; c++) {
      const v = xv[xBase + c]!
      for (let m = 0; m < M; m++) acc[wBase + c * M + m]! += v * g[gBase + c * M + m]!
    }
  })
  b.typedArrayFromHeap(out).set(acc)
  return out
}

/** dx[b, r, q, c] = Σ_{fh, fw, m} dy[b, oh, ow, c·M + m] · w[fh, fw, c, m] over the outputs (oh, ow) that read (r, q). */
const depthwiseBackpropInput: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, filter } = inputs as { dy: Info; filter: Info }
  const a = attrs as unknown as DepthwiseGradAttrs
  const inputShape = a.inputShape!
  const info = depthwiseInfo(inputShape, filter.shape as Shape4, a)
  const b = backend as unknown as HeapBackend
  const C = inputShape[3]
  const M = info.outChannels / info.inChannels
  const acc = new Float64Array(inputShape.reduce((p, d) => p * d, 1))
  const out = b.makeOutput(inputShape, 'float32')
  const g = b.typedArrayFromHeap(dy)
  const w = b.typedArrayFromHeap(filter)
  forEachTap(info, inputShape, (gBase, xBase, wBase) => {
    if (M === 1) {
      for (let c = 0; c < C; c++) acc[xBase + c]! += g[gBase + c]! * w[wBase + c]!
      return
    }
    for (let c = 0; c < C; c++) {
      let sum = 0
      for (let m = 0; m < M; m++) sum += g[gBase + c * M + m]! * w[wBase + c * M + m]!
      acc[xBase + c]! += sum
    }
  })
  b.typedArrayFromHeap(out).set(acc)
  return out
}
