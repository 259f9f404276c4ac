import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { AppSession, APP_LOCK } from '../../main/engine/session'
import { Studio } from '../../main/engine/studio'
import { SCHEMA_VERSION } from '../../main/engine/store/schema'
import { makeImages, tmpDir } from '../helpers/fixtures'

const root = tmpDir()
const session = (name = 'recent.json') =>
  new AppSession({ shell: 'browser', onEvent: () => {}, recentFile: path.join(root, name) })

describe('app session (Projects)', () => {
  it('starts with no project: project requests fail with a clear error until one is open', async () => {
    const s = session()
    const pkg = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../../package.json'), 'utf8')) as {
      version: string
    }
    expect(await s.api.appInfo()).toEqual({ version: pkg.version, project: null, shell: 'browser' })
    await expect(s.api.stats()).rejects.toThrow(/no project is open/)
    expect(await s.api.projects()).toEqual({ current: null, recent: [], canChooseFolder: false })
    expect(await s.api.chooseFolder({ title: 'x' })).toBeNull()
    expect(await s.api.chooseSaveFile({ title: 'x', defaultPath: '/a/b.tar' })).toBeNull()
    expect(await s.api.openFolder({ path: root })).toEqual({ opened: false })
    const shown: string[] = []
    const electron = new AppSession({
      shell: 'electron',
      onEvent: () => {},
      recentFile: path.join(root, 'e.json'),
      openFolder: async (d) => (shown.push(d), true),
      chooseFolder: async () => '/picked',
      chooseSaveFile: async (title, defaultPath) => `${defaultPath}.${title}`,
    })
    expect(await electron.api.openFolder({ path: root })).toEqual({ opened: true })
    expect(shown).toEqual([root])
    expect(await electron.api.chooseFolder({ title: 'Open' })).toBe('/picked')
    expect(await electron.api.chooseSaveFile({ title: 'Back up', defaultPath: '/p-backup.tar' })).toBe(
      '/p-backup.tar.Back up',
    )
    expect((await electron.api.projects()).canChooseFolder).toBe(true)
  })

  it('creates, opens, closes and remembers projects, most recent first', async () => {
    const s = session('r2.json')
    const a = path.join(root, 'alpha')
    const b = path.join(root, 'beta')
    expect((await s.api.createProject({ path: a })).project).toBe(a)
    await makeImages(path.join(root, 'src', 'cat'), 2)
    // Another window creates beta and imports into it; switching away is refused while it imports.
    let finished: () => void = () => {}
    const imported = new Promise<void>((resolve) => (finished = resolve))
    const s2 = new AppSession({
      shell: 'browser',
      onEvent: (e) => e.type === 'import-finished' && finished(),
      recentFile: path.join(root, 'r2.json'),
    })
    s2.open(b, true)
    await s2.api.startImport({ source: path.join(root, 'src') })
    await expect(s2.api.closeProject()).rejects.toThrow(/cannot close the project while an import is running/)
    await imported
    await new Promise((r) => setTimeout(r, 10))
    s2.close()
    expect((await s.api.openProject({ path: b })).project).toBe(b)
    expect((await s.api.stats()).images).toBe(2)
    // alpha was closed when beta opened: its lock is gone.
    expect(fs.existsSync(path.join(a, APP_LOCK))).toBe(false)
    expect(fs.existsSync(path.join(b, APP_LOCK))).toBe(true)
    const p = await s.api.projects()
    expect(p.current).toBe(b)
    expect(p.recent.map((r) => r.name)).toEqual(['beta', 'alpha'])
    fs.rmSync(a, { recursive: true })
    expect((await s.api.projects()).recent.find((r) => r.name === 'alpha')?.exists).toBe(false)
    expect(await s.api.closeProject()).toEqual({ closed: true })
    expect(fs.existsSync(path.join(b, APP_LOCK))).toBe(false)
    await expect(s.api.images({})).rejects.toThrow(/no project is open/)
  })

  it('refuses a folder that is not a project, and creating over an existing project', async () => {
    const s = session()
    fs.mkdirSync(path.join(root, 'plain'))
    await expect(s.api.openProject({ path: path.join(root, 'plain') })).rejects.toThrow(/is not a Studio project/)
    expect(fs.readdirSync(path.join(root, 'plain'))).toEqual([]) // nothing written into it
    Studio.init(path.join(root, 'exists')).close()
    await expect(s.api.createProject({ path: path.join(root, 'exists') })).rejects.toThrow(/already a Studio project/)
  })

  it('refuses a project another window has open, and keeps its own project open', async () => {
    const dir = path.join(root, 'shared')
    const first = session()
    await first.api.createProject({ path: dir })
    const second = session()
    const mine = path.join(root, 'mine')
    await second.api.createProject({ path: mine })
    const err = await second.api.openProject({ path: dir }).catch((e: Error) => e)
    expect(err).toMatchObject({ name: 'ProjectLockedError' })
    expect((err as Error).message).toMatch(
      `another Studio window is already running for ${dir} (process ${process.pid})`,
    )
    expect((await second.api.appInfo()).project).toBe(mine)
    first.close()
    expect((await second.api.openProject({ path: dir })).project).toBe(dir)
    second.close()
  })

  it('refuses a project from a newer Studio and leaves it as it was', async () => {
    const dir = path.join(root, 'newer')
    Studio.init(dir).close()
    const raw = new Database(path.join(dir, 'studio.db'))
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`)
    raw.close()
    const s = session()
    await expect(s.api.openProject({ path: dir })).rejects.toMatchObject({ name: 'ProjectVersionError' })
    expect(fs.existsSync(path.join(dir, APP_LOCK))).toBe(false)
    expect((await s.api.appInfo()).project).toBeNull()
  })
})
