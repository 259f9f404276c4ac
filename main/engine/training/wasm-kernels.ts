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
}

type Info = tf.TensorInfo
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
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as {
    strides: [number, number] | number
    pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding
    dataFormat: 'NHWC' | 'NCHW'
    dimRoundingMode?: 'floor' | 'round' | 'ceil'
    filterShape: [number, number, number, number]
  }
  if (dataFormat === 'NCHW') throw new Error('Conv2DBackpropFilter on wasm supports NHWC only')
  const b = backend as unknown as Backend
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode,
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
