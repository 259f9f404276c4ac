import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { dispatch, httpStatus } from '../../../main/engine/api/dispatch'
import { REQUESTS } from '../../../main/engine/api/requests'
import { AppSession } from '../../../main/engine/session'
import { PROJECT_METHODS, STUDIO_METHODS } from '../../../preload/methods'
import { tmpDir } from '../../helpers/fixtures'

const root = tmpDir()
const logged: string[] = []
const log = (l: string) => logged.push(l)
const session = new AppSession({
  shell: 'electron',
  onEvent: () => {},
  recentFile: path.join(root, 'recent.json'),
  chooseFolder: async () => {
    throw new Error('the dialog crashed')
  },
})

describe('dispatch (one path for IPC and HTTP)', () => {
  it('accepts no payload, null or {} for a request without one, and nothing else', async () => {
    for (const payload of [undefined, null, {}]) {
      const reply = await dispatch(session.api, 'appInfo', payload, log)
      expect(reply).toEqual({ result: { version: expect.any(String), shell: 'electron', project: null } })
      expect(httpStatus(reply)).toBe(200)
    }
    const extra = await dispatch(session.api, 'appInfo', { project: 'x' }, log)
    expect(extra).toMatchObject({ error: { name: 'ValidationError', message: expect.stringMatching(/^appInfo: /) } })
    expect(httpStatus(extra)).toBe(400)
    expect(logged.at(-1)).toMatch(/^refused appInfo: /)
  })

  it('validates before calling: a bad payload is refused even where the call itself would fail', async () => {
    // No project is open, so a call would answer NoProjectError; the schema answers first.
    const bad = await dispatch(session.api, 'setLabels', { imageIds: 'all', classId: 1 }, log)
    expect(bad).toMatchObject({
      error: { name: 'ValidationError', message: expect.stringMatching(/^setLabels: imageIds: /) },
    })
    // The contract types the preset as a string; the run-time schema knows the registry's names.
    const preset = await dispatch(session.api, 'startTraining', { preset: 'no-such-preset' }, log)
    expect(preset).toMatchObject({
      error: { name: 'ValidationError', message: expect.stringMatching(/^startTraining: preset: /) },
    })
    const valid = await dispatch(session.api, 'startTraining', { preset: 'seed-cnn', epochs: 1 }, log)
    expect(valid).toEqual({
      error: { name: 'NoProjectError', message: 'no project is open: open or create one in Projects' },
    })
    expect(httpStatus(valid)).toBe(409)
  })

  it('maps an unexpected error to {name: Error} and 500, and logs it', async () => {
    const reply = await dispatch(session.api, 'chooseFolder', { title: 'Open' }, log)
    expect(reply).toEqual({ error: { name: 'Error', message: 'the dialog crashed' } })
    expect(httpStatus(reply)).toBe(500)
    expect(logged.at(-1)).toBe('error in chooseFolder: the dialog crashed')
  })

  it('lists the same methods at run time as the schemas, each on one side', () => {
    expect([...STUDIO_METHODS].sort()).toEqual(Object.keys(REQUESTS).sort())
    expect(PROJECT_METHODS).not.toContain('openProject')
    expect(PROJECT_METHODS).toContain('images')
    expect(STUDIO_METHODS.length - PROJECT_METHODS.length).toBe(8)
  })
})
