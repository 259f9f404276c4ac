import * as tf from '@tensorflow/tfjs'

/**
 * Gradient kernels the wasm backend lacks, composed from its own kernels.
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
  const [, H, W] = x.shape as number[]
  const [KH, KW] = filterShape
  const { top, left } = info.padInfo
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
