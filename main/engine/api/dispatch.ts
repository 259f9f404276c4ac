import type { StudioApi, StudioHandlers, StudioMethod } from '../../../preload/contract'
import { errorMessage, StudioError } from '../errors'
import { describeIssue, REQUEST_SCHEMAS } from './schemas'

/** An error as it crosses a boundary. */
export interface WireError {
  name: string
  message: string
}

/** What a transport sends back: the result, or the error as {name, message}. */
export type Reply = { result: unknown } | { error: WireError }

/**
 * One request, whatever carried it (IPC, HTTP): validate the payload against its schema, call the
 * API, and turn a thrown error into {name, message}. Engine errors keep their class name; anything
 * else is an `Error` (and is logged: it is a bug, not a refusal).
 */
export async function dispatch<M extends StudioMethod>(
  api: StudioApi,
  method: M,
  payload: unknown,
  log: (line: string) => void = () => {},
): Promise<Reply> {
  const parsed = REQUEST_SCHEMAS[method].safeParse(payload)
  if (!parsed.success) {
    const message = describeIssue(method, parsed.error)
    log(`refused ${message}`)
    return { error: { name: 'ValidationError', message } }
  }
  const handlers: StudioHandlers = api
  try {
    return { result: (await handlers[method](parsed.data)) ?? null }
  } catch (err) {
    const error = toWireError(err)
    if (!(err instanceof StudioError)) log(`error in ${method}: ${error.message}`)
    return { error }
  }
}

export function toWireError(err: unknown): WireError {
  return { name: err instanceof StudioError ? err.name : 'Error', message: errorMessage(err) }
}

const STATUS: Record<string, number> = {
  ValidationError: 400,
  NotAProjectError: 400,
  ImportSourceError: 400,
  NotFoundError: 404,
  ConflictError: 409,
  ProjectLockedError: 409,
  ProjectVersionError: 409,
  NoProjectError: 409,
  // No usable backbone for a label check or transfer run: the user's setup, not a bug (was a 500).
  NoBackboneError: 409,
  BackboneError: 409,
}

/** The HTTP status of a reply: 200, 4xx for the engine's refusals, 500 for anything unexpected. */
export function httpStatus(reply: Reply): number {
  return 'error' in reply ? (STATUS[reply.error.name] ?? 500) : 200
}
