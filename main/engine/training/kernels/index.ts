import * as tf from '@tensorflow/tfjs'
import { batchMatMulConfig } from './BatchMatMul'
import { conv2DConfig } from './Conv2D'
import { conv2DBackpropFilterConfig } from './Conv2DBackpropFilter'
import { conv2DBackpropInputConfig } from './Conv2DBackpropInput'
import { depthwiseConv2dNativeBackpropFilterConfig } from './DepthwiseConv2dNativeBackpropFilter'
import { depthwiseConv2dNativeBackpropInputConfig } from './DepthwiseConv2dNativeBackpropInput'
import { maxPoolGradConfig } from './MaxPoolGrad'
import { sumConfig } from './Sum'
import { tileConfig } from './Tile'
import type { KernelOverride } from './wasm-kernel'

/**
 * Training kernels for the wasm backend, one file each: the gradients it lacks (Conv2DBackpropFilter,
 * the two depthwise gradients) and faster versions of ones a profile of the seed CNN showed
 * dominating a step (Conv2D and Conv2DBackpropInput, MaxPoolGrad, BatchMatMul with a transposed
 * operand, Sum over the leading axes). Each is checked against the cpu backend in
 * tests/engine/training/wasm-kernels.test.ts.
 */
const kernels: (tf.KernelConfig | KernelOverride)[] = [
  conv2DBackpropFilterConfig,
  batchMatMulConfig,
  maxPoolGradConfig,
  sumConfig,
  tileConfig,
  depthwiseConv2dNativeBackpropFilterConfig,
  depthwiseConv2dNativeBackpropInputConfig,
  conv2DBackpropInputConfig,
  conv2DConfig,
]

/** Registers them all before the wasm backend starts; later calls do nothing. */
export function registerWasmGradientKernels(): void {
  if (tf.getKernel('Conv2DBackpropFilter', 'wasm')) return
  for (const k of kernels) {
    if ('kernelFunc' in k) tf.registerKernel(k)
    else override(k)
  }
}

/** Replaces the backend's kernel (when it has one), keeping the original's setup: it binds its wasm function. */
function override({ kernelName, replace }: KernelOverride): void {
  const original = tf.getKernel(kernelName, 'wasm')
  if (!original) return
  tf.unregisterKernel(kernelName, 'wasm')
  const { setupFunc } = original
  tf.registerKernel({ kernelName, backendName: 'wasm', setupFunc, kernelFunc: replace(original.kernelFunc) })
}
