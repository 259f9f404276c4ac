import * as tf from '@tensorflow/tfjs'
import { heapKernels } from '../simd'
import {
  heapOffset,
  padNhwc,
  type Info,
  type KernelArgs,
  kernelOptions,
  run,
  type Shape4,
  temporaries,
  wasmKernel,
} from './wasm-kernel'

/**
 * Conv2DBackpropFilter, which the wasm backend lacks:
 * dW[kh,kw,ci,co] = Σ_{b,oh,ow} x[b, oh·s + kh·d − pad, ow·s + kw·d − pad, ci] · dy[b,oh,ow,co].
 * With the batch as the channel axis this is one forward convolution (shared/notes/wasm-training.md):
 * input x padded and transposed to [Cin, H, W, B], "filter" dy transposed to [OH, OW, B, Cout],
 * stride = the original dilation, dilation = the original stride, then [Cin, KH, KW, Cout] → [KH, KW, Cin, Cout].
 * It runs at the backend's forward-conv speed instead of an im2col loop's. Channels in groups of 4
 * in and 8 out take a SIMD kernel instead (a GEMM read straight from x and dy, 1.4–1.8× faster at the
 * seed CNN's shapes; 1–3 input channels padded to 4).
 */
function conv2DBackpropFilter({ inputs, backend, attrs }: KernelArgs<'x' | 'dy', tf.Conv2DBackpropFilterAttrs>): Info {
  const { x, dy } = inputs
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs
  if (dataFormat === 'NCHW') throw new Error('Conv2DBackpropFilter on wasm supports NHWC only')
  const info = tf.backend_util.computeConv2DInfo(x.shape as Shape4, filterShape, strides, 1, pad, dimRoundingMode)
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info
  if ((sh > 1 || sw > 1) && (dh > 1 || dw > 1)) {
    throw new Error('Conv2DBackpropFilter on wasm: strides and dilations > 1 together')
  }
  const [B, H, W, Cin] = x.shape as Shape4
  const [KH, KW, , Cout] = filterShape
  const { top, left } = info.padInfo
  // Pad so that every (kh, oh) tap lands inside: rows needed = (KH−1)·dh + (OH−1)·sh + 1.
  const needH = (KH - 1) * dh + (info.outHeight - 1) * sh + 1
  const needW = (KW - 1) * dw + (info.outWidth - 1) * sw + 1
  const bottom = Math.max(0, needH - H - top)
  const right = Math.max(0, needW - W - left)
  const simd = heapKernels(backend)
  // Input channels in groups of 4 (1–3 padded to 4, a first layer's RGB) and filters in groups of
  // 8: the SIMD GEMM read straight from x and dy, without the transposes (bench/RESULTS.md,
  // "Convolutions as SIMD GEMMs on the wasm heap").
  const direct = kernelOptions.directConvolutions && (Cin % 4 === 0 || Cin < 4) && Cout % 8 === 0
  const some = info.outHeight > 0 && info.outWidth > 0 // the kernel's innermost loop runs at least once
  if (simd && direct && some && dh === 1 && dw === 1 && x.dtype === 'float32') {
    const C4 = Math.ceil(Cin / 4) * 4
    const temps = temporaries(backend)
    try {
      const padded = padNhwc(backend, temps, x, [top, bottom, left, right], C4 - Cin)
      const [, PH, PW] = padded.shape as Shape4
      const { outHeight: OH, outWidth: OW } = info
      const out = backend.makeOutput([KH, KW, C4, Cout], 'float32')
      const at = (t: Info) => heapOffset(backend, t)
      // Images per pass: their x and dy within about 64 KB (half an L2 cache).
      const G = Math.max(1, Math.floor(65536 / (4 * (PH * PW * C4 + OH * OW * Cout))))
      simd.conv_filter_grad(at(padded), at(dy), at(out), B, PH, PW, C4, OH, OW, Cout, KH, KW, sh, sw, G)
      if (C4 === Cin) return out
      temps.keep(out)
      return run('Slice', backend, { x: out }, { begin: [0, 0, 0, 0], size: [KH, KW, Cin, Cout] })
    } finally {
      temps.dispose()
    }
  }
  const temps = temporaries(backend)
  try {
    const padded = padNhwc(backend, temps, x, [top, bottom, left, right])
    const xt = temps.keep(run('Transpose', backend, { x: padded }, { perm: [3, 1, 2, 0] }))
    const dyt = temps.keep(run('Transpose', backend, { x: dy }, { perm: [1, 2, 0, 3] }))
    const convAttrs = { strides: [dh, dw], pad: 'valid', dilations: [sh, sw], dataFormat: 'NHWC' }
    const conv = temps.keep(run('Conv2D', backend, { x: xt, filter: dyt }, convAttrs))
    const [, ch, cw] = conv.shape
    const cropped =
      ch === KH && cw === KW
        ? conv
        : temps.keep(run('Slice', backend, { x: conv }, { begin: [0, 0, 0, 0], size: [-1, KH, KW, -1] }))
    return run('Transpose', backend, { x: cropped }, { perm: [1, 2, 0, 3] })
  } finally {
    temps.dispose()
  }
}

export const conv2DBackpropFilterConfig: tf.KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: wasmKernel(['x', 'dy'], conv2DBackpropFilter),
}
