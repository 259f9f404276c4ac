import { z } from 'zod'
import type { RequestOf, StudioMethod } from '../../../preload/contract'
import { PRESET_NAMES } from '../training/presets'
import { REQUESTS, trainRequest, type RequestShapes } from './requests'

/**
 * The run-time check of every request payload: the shapes of requests.ts, with the preset narrowed
 * to the engine's registry. (The contract says `string` there so that the renderer's type check,
 * which follows the contract into requests.ts, never reaches the training code; the form offers the
 * names the `presets` request returns.) Both transports refuse a payload that fails here.
 */
export const REQUEST_SCHEMAS: { [M in StudioMethod]: z.ZodType<RequestOf<M>> } = {
  ...REQUESTS,
  startTraining: trainRequest.extend({ preset: z.enum(PRESET_NAMES).optional() }),
}

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
type Assert<T extends true> = T
/** Compile-time check: requests.ts has a schema for exactly the contract's methods. */
export type SchemasCoverContract = Assert<Same<keyof RequestShapes, StudioMethod>>

/** One line naming the first bad field, e.g. `setLabels: imageIds.0: expected number, received string`. */
export function describeIssue(method: string, err: z.ZodError): string {
  const first = err.issues[0]
  return `${method}: ${first?.path.length ? first.path.join('.') + ': ' : ''}${first?.message ?? 'invalid payload'}`
}
